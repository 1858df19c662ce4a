package org.edgesync.edge;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForwardPauseTest {

    @Test
    void shouldAcceptTheShippedDefaultsAndPauseAfterThatManyFailuresForThatLong() {
        ForwardPause pause = ForwardPause.of("3", "5000");

        assertThat(pause.failures()).isEqualTo(3);
        assertThat(pause.pauseMs()).isEqualTo(5000);
        assertThat(pause.routePolicy().getFailureThreshold()).isEqualTo(3);
        assertThat(pause.routePolicy().getHalfOpenAfter()).isEqualTo(5000);
        assertThat(pause.routePolicy().getFailureWindow()).as("a failure counts until the next probe").isEqualTo(5000);
    }

    @Test
    void shouldNameKeyValueAndRangeOfZeroFailures() {
        assertThatThrownBy(() -> ForwardPause.of("0", "5000"))
                .hasMessage("edgesync.forward.pause.after.failures is \"0\", but must be a whole number from 1 to 1000.");
    }

    @Test
    void shouldNameKeyValueAndRangeOfAPauseThatIsNotANumber() {
        assertThatThrownBy(() -> ForwardPause.of("3", "5s"))
                .hasMessage("edgesync.forward.pause.ms is \"5s\", but must be a whole number from 100 to 3600000.");
    }
}
