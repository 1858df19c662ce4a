package org.edgesync.cloud.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HaltPointTest {

    @Test
    void shouldBeAbsentWhenUnset() {
        assertThat(HaltPoint.parse(null)).isNull();
        assertThat(HaltPoint.parse("  ")).isNull();
        assertThat(HaltPoint.parse("none")).isNull();
    }

    @Test
    void shouldArmTheFirstOrTheNthTime() {
        assertThat(HaltPoint.parse("mid-upsert").nth()).isEqualTo(1);
        assertThat(HaltPoint.parse("mid-upsert:3").nth()).isEqualTo(3);
        assertThat(HaltPoint.parse(" mid-upsert:3 ").point()).isEqualTo("mid-upsert");
    }

    @Test
    void shouldRefuseAnUnknownPointWithOneSentenceListingTheAllowedNames() {
        assertThatThrownBy(() -> HaltPoint.parse("mid-commit"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("edgesync.fault.halt-at is \"mid-commit\" but must be one of mid-upsert, optionally followed"
                        + " by :<n> to halt the n-th time (such as mid-upsert:3), or none.");
        assertThatThrownBy(() -> HaltPoint.parse("mid-upsert:0")).isInstanceOf(InvalidSettingException.class);
    }
}
