package org.edgesync.routes;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class StartupFailureTest {

    @Test
    void shouldNotMistakeALibrarysIllegalArgumentForAConfigurationMistake() {
        Throwable failure = new IllegalStateException("wrapped", catchThrowable(() -> Integer.parseInt("x")));

        assertThat(StartupFailure.explain(failure, null)).isEmpty();
        assertThat(StartupFailure.sentence(failure, null)).isEqualTo("java.lang.NumberFormatException: For input string: \"x\"");
    }

    @Test
    void shouldTakeTheSentenceOfEdgeSyncsOwnValidationFromDeepInTheChain() {
        Throwable failure = new RuntimeException("bean creation failed",
                new IllegalArgumentException("edgesync.poll.batch.size is \"0\", but must be a whole number from 1 to 10000."));

        assertThat(StartupFailure.explain(failure, null))
                .contains("edgesync.poll.batch.size is \"0\", but must be a whole number from 1 to 10000.");
    }

    @Test
    void shouldMeasureHowFarAMisspeltOptionIsFromTheRealOne() {
        assertThat(StartupFailure.distance("initialDelai", "initialDelay")).isEqualTo(1);
        assertThat(StartupFailure.distance("delay", "delay")).isZero();
        assertThat(StartupFailure.distance("", "abc")).isEqualTo(3);
    }
}
