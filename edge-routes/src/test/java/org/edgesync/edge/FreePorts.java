package org.edgesync.edge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A TCP port free right now on 127.0.0.1, as camel's AvailablePortFinder picks one. */
final class FreePorts {

    private FreePorts() {
    }

    static int next() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
