package org.edgesync.ops;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HeadersEndTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldFindTheBodyInTheChunkThatEndsTheHeaders() {
        byte[] chunk = bytes("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");

        assertThat(new FaultProxy.HeadersEnd().bodyStart(chunk, chunk.length)).isEqualTo(chunk.length - 3);
    }

    @Test
    void shouldFollowTheBlankLineAcrossChunks() {
        FaultProxy.HeadersEnd headers = new FaultProxy.HeadersEnd();
        byte[] first = bytes("POST / HTTP/1.1\r\nHost: x\r\n\r");
        byte[] second = bytes("\nxyz");

        assertThat(headers.bodyStart(first, first.length)).isEqualTo(first.length);
        assertThat(headers.bodyStart(second, second.length)).isEqualTo(1);
    }

    @Test
    void shouldReportHeadersThatEndWithTheirChunkAsNoBodyYet() {
        FaultProxy.HeadersEnd headers = new FaultProxy.HeadersEnd();
        byte[] only = bytes("POST / HTTP/1.1\r\n\r\n");
        byte[] body = bytes("xx");

        assertThat(headers.bodyStart(only, only.length)).isEqualTo(only.length);
        assertThat(headers.bodyStart(body, body.length)).isZero();
    }

    @Test
    void shouldNotTakeASingleLineBreakOrCarriageReturnsForTheEnd() {
        byte[] chunk = bytes("POST / HTTP/1.1\r\nA: b\r\r\nC: d\r\n");

        assertThat(new FaultProxy.HeadersEnd().bodyStart(chunk, chunk.length)).isEqualTo(chunk.length);
    }
}
