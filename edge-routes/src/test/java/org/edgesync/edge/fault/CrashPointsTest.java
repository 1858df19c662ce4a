package org.edgesync.edge.fault;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CrashPointsTest {

    private final List<String> halts = new ArrayList<>();

    private CrashPoints parse(String spec) {
        return CrashPoints.parse(spec, halts::add);
    }

    @Test
    void shouldBeDisarmedWithoutTheProperty() {
        CrashPoints points = parse(null);

        CrashPoints.POINTS.forEach(points::reach);

        assertThat(points.isArmed()).isFalse();
        assertThat(parse("  ").isArmed()).isFalse();
        assertThat(halts).isEmpty();
    }

    @Test
    void shouldHaltTheFirstTimeThePointIsReachedByDefault() {
        CrashPoints points = parse("after-publish");

        points.reach("after-read");
        points.reach("after-publish");

        assertThat(points.isArmed("after-publish")).isTrue();
        assertThat(halts).containsExactly("after-publish");
        assertThat(points.description()).isEqualTo("after-publish, the 1st time it is reached");
    }

    @Test
    void shouldHaltOnlyTheNthTimeThePointIsReached() {
        CrashPoints points = parse(" after-cloud-ack:3 ");

        points.reach("after-cloud-ack");
        points.reach("after-cloud-ack");
        assertThat(halts).isEmpty();
        points.reach("after-cloud-ack");
        points.reach("after-cloud-ack");

        assertThat(halts).containsExactly("after-cloud-ack");
        assertThat(points.isArmed("after-read")).isFalse();
    }

    @Test
    void shouldAcceptEveryDocumentedPoint() {
        assertThat(CrashPoints.POINTS).containsExactly("after-read", "after-publish", "during-jms-commit", "after-cloud-ack");
        CrashPoints.POINTS.forEach(p -> assertThat(parse(p + ":2").isArmed(p)).isTrue());
    }

    @Test
    void shouldRefuseAnUnknownPointNamingTheAllowedOnesInOneSentence() {
        assertThatThrownBy(() -> parse("after-raed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("edgesync.fault.halt-at is \"after-raed\", but must be one of after-read, after-publish,"
                        + " during-jms-commit, after-cloud-ack, optionally followed by :<n> (halt the n-th time, n from 1 to 1000000).");
    }

    @Test
    void shouldRefuseACountThatIsNotAPositiveNumber() {
        assertThatThrownBy(() -> parse("after-read:0")).hasMessageStartingWith("edgesync.fault.halt-at is \"after-read:0\"");
        assertThatThrownBy(() -> parse("after-read:x")).hasMessageStartingWith("edgesync.fault.halt-at is \"after-read:x\"");
        assertThatThrownBy(() -> parse("after-read:")).hasMessageStartingWith("edgesync.fault.halt-at is \"after-read:\"");
    }

    @Test
    void shouldRefuseToReachAPointThatDoesNotExistWhenArmed() {
        CrashPoints points = parse("after-read");

        assertThatThrownBy(() -> points.reach("after-raed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after-raed");
    }
}
