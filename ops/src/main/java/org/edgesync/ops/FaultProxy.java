package org.edgesync.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on a loopback port in front of the cloud's HTTP port that misbehaves on command, like the
 * links between shops and the cloud do. The mode can be switched at any time; a switch cuts the open
 * connections (as a real link change does), so a keep-alive connection cannot carry the old behaviour on.
 * Plain sockets and threads, no HTTP parsing: it only needs to know which direction bytes flow.
 */
public final class FaultProxy implements AutoCloseable {

    /** What the proxy does with the connections it accepts. */
    public enum Kind {
        /** Forward both ways untouched. */
        PASS,
        /** Forward both ways, each chunk delayed by {@link Mode#latencyMs()}; may also reset. */
        LATENCY,
        /** Forward, but with {@link Mode#resetProbability()} per chunk from the client, reset both sides. */
        RESET,
        /** Accept and read the request, never connect upstream, never answer. */
        BLACKHOLE,
        /** Stop listening: new connections are refused by the kernel. */
        REFUSE,
        /** Forward only the first part of the request, then reset both sides: the server sees half a request. */
        CUT_MID_BODY,
        /** Forward the whole request, let the server answer (it has committed), then reset the client unanswered. */
        DROP_RESPONSE,
        /** Alternate between pass and refuse every {@link Mode#periodMs()}. */
        FLAP
    }

    /** A mode and its parameters; build with the static factories. */
    public record Mode(Kind kind, long latencyMs, double resetProbability, long periodMs) {
        public static Mode pass() {
            return new Mode(Kind.PASS, 0, 0, 0);
        }

        public static Mode latency(long ms) {
            return new Mode(Kind.LATENCY, ms, 0, 0);
        }

        public static Mode reset(double probability) {
            return new Mode(Kind.RESET, 0, probability, 0);
        }

        public static Mode blackhole() {
            return new Mode(Kind.BLACKHOLE, 0, 0, 0);
        }

        public static Mode refuse() {
            return new Mode(Kind.REFUSE, 0, 0, 0);
        }

        public static Mode cutMidBody() {
            return new Mode(Kind.CUT_MID_BODY, 0, 0, 0);
        }

        public static Mode dropResponse() {
            return new Mode(Kind.DROP_RESPONSE, 0, 0, 0);
        }

        public static Mode flap(long periodMs) {
            return new Mode(Kind.FLAP, 0, 0, periodMs);
        }

        /** The same mode, also resetting with this probability per client chunk (latency with resets). */
        public Mode withResets(double probability) {
            return new Mode(kind, latencyMs, probability, periodMs);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case LATENCY -> "latency(" + latencyMs + " ms" + (resetProbability > 0 ? ", resets " + resetProbability : "") + ")";
                case RESET -> "reset(" + resetProbability + ")";
                case FLAP -> "flap(" + periodMs + " ms)";
                default -> kind.name().toLowerCase().replace('_', '-');
            };
        }
    }

    private final String targetHost;
    private final int[] targetPorts;
    private final java.util.concurrent.atomic.AtomicInteger nextTarget = new java.util.concurrent.atomic.AtomicInteger();
    private final int port;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.pass());
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong droppedResponses = new AtomicLong();
    private final AtomicLong cutRequests = new AtomicLong();
    private final AtomicLong swallowedRequests = new AtomicLong();
    private final Object listening = new Object();
    private volatile ServerSocket server;
    private Future<?> acceptLoop; // guarded by listening
    private volatile boolean closed;
    private volatile Thread flapper;

    private FaultProxy(String targetHost, int[] targetPorts, int port) {
        this.targetHost = targetHost;
        this.targetPorts = targetPorts.clone();
        this.port = port;
    }

    /**
     * Starts a proxy in {@code pass} mode on a free loopback port. With several target ports it balances like a
     * load balancer in front of cloud nodes: each new connection goes to the next port in turn.
     */
    public static FaultProxy start(String targetHost, int... targetPorts) throws IOException {
        if (targetPorts.length == 0) {
            throw new IllegalArgumentException("a fault proxy needs at least one target port");
        }
        ServerSocket first = bind(0);
        FaultProxy proxy = new FaultProxy(targetHost, targetPorts, first.getLocalPort());
        proxy.listen(first);
        return proxy;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public Mode mode() {
        return mode.get();
    }

    /** Switches mode; open connections are reset so the new behaviour applies from now on. */
    public synchronized void mode(Mode next) throws IOException {
        Mode previous = mode.getAndSet(next);
        Thread oldFlapper = flapper;
        if (oldFlapper != null) {
            oldFlapper.interrupt();
            flapper = null;
        }
        if (!previous.equals(next)) {
            cutAll();
        }
        if (next.kind() == Kind.REFUSE) {
            stopListening();
        } else {
            ensureListening();
        }
        if (next.kind() == Kind.FLAP) {
            Thread t = new Thread(() -> flap(next.periodMs()), "fault-proxy-flap");
            t.setDaemon(true);
            flapper = t;
            t.start();
        }
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Connections reset by {@code reset} mode or the resets of {@code latency}. */
    public long resets() {
        return resets.get();
    }

    /** Responses the server sent that the client never got. */
    public long droppedResponses() {
        return droppedResponses.get();
    }

    /** Requests forwarded only in part. */
    public long cutRequests() {
        return cutRequests.get();
    }

    /** Connections held open in {@code blackhole} mode. */
    public long swallowedRequests() {
        return swallowedRequests.get();
    }

    /** Faults of all kinds injected so far, for reports. */
    public long faultsInjected() {
        return resets.get() + droppedResponses.get() + cutRequests.get() + swallowedRequests.get();
    }

    @Override
    public void close() {
        closed = true;
        Thread t = flapper;
        if (t != null) {
            t.interrupt();
        }
        stopListening();
        cutAll();
        threads.shutdownNow();
    }

    private void flap(long periodMs) {
        boolean up = true;
        try {
            while (!Thread.currentThread().isInterrupted() && !closed) {
                Thread.sleep(periodMs);
                up = !up;
                if (up) {
                    ensureListening();
                } else {
                    stopListening();
                    cutAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new IllegalStateException("fault proxy could not listen on port " + port + " again", e);
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        return socket;
    }

    private void ensureListening() throws IOException {
        synchronized (listening) {
            if (server == null && !closed) {
                listen(bind(port));
            }
        }
    }

    /**
     * Closes the listening socket and waits for its accept loop to end: until the thread blocked in accept() has
     * left it, the kernel keeps the socket listening and completes new connections, which the close then resets
     * (a client saw "Connection reset" instead of "Connection refused" in about 4 % of tries).
     */
    private void stopListening() {
        synchronized (listening) {
            ServerSocket s = server;
            Future<?> loop = acceptLoop;
            server = null;
            acceptLoop = null;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a listening socket only fails if it is already closed
                }
            }
            if (loop != null) {
                try {
                    loop.get(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
                    // the loop ends on the close; if it did not, the socket is closed all the same
                }
            }
        }
    }

    private void listen(ServerSocket socket) {
        server = socket;
        acceptLoop = threads.submit(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    connections.incrementAndGet();
                    threads.execute(() -> handle(client));
                } catch (IOException e) {
                    if (!socket.isClosed()) {
                        sleepQuietly(10);
                    }
                }
            }
        });
    }

    private void handle(Socket client) {
        Mode m = mode.get();
        Link link = new Link(client);
        links.add(link);
        try {
            client.setTcpNoDelay(true);
            if (m.kind() == Kind.BLACKHOLE) {
                swallowedRequests.incrementAndGet();
                drain(client.getInputStream());
                return;
            }
            if (m.kind() == Kind.REFUSE) {
                resetQuietly(client);
                return;
            }
            Socket upstream = new Socket();
            link.upstream = upstream;
            upstream.setTcpNoDelay(true);
            int target = targetPorts[Math.floorMod(nextTarget.getAndIncrement(), targetPorts.length)];
            upstream.connect(new InetSocketAddress(targetHost, target), 5000);
            threads.execute(() -> pumpResponses(link, m));
            pumpRequests(link, m);
        } catch (IOException e) {
            link.cut();
        } finally {
            if (client.isClosed() || link.upstream == null) {
                links.remove(link);
            }
        }
    }

    /** Client → server. */
    private void pumpRequests(Link link, Mode m) throws IOException {
        InputStream in = link.client.getInputStream();
        OutputStream out = link.upstream.getOutputStream();
        byte[] buffer = new byte[16 * 1024];
        HeadersEnd headers = new HeadersEnd();
        long passed = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (m.latencyMs() > 0) {
                sleepQuietly(m.latencyMs());
            }
            if (m.resetProbability() > 0 && ThreadLocalRandom.current().nextDouble() < m.resetProbability()) {
                resets.incrementAndGet();
                link.cut();
                return;
            }
            if (m.kind() == Kind.CUT_MID_BODY) {
                // The request's headers and half of the body bytes that arrived with or after them reach the
                // server, then the link dies as it would mid-transfer. A client may send its headers in a chunk of
                // their own; cutting inside them would leave the server nothing to call a request. Headers not
                // found in the first HEADER_SCAN_BYTES (TLS: nothing to read) cut half of the chunk at hand.
                int body = headers.bodyStart(buffer, n);
                if (body == n && passed + n < HEADER_SCAN_BYTES) {
                    out.write(buffer, 0, n);
                    out.flush();
                    passed += n;
                    continue;
                }
                out.write(buffer, 0, body < n ? body + Math.max(1, (n - body) / 2) : Math.max(1, n / 2));
                out.flush();
                cutRequests.incrementAndGet();
                sleepQuietly(50);
                link.cut();
                return;
            }
            out.write(buffer, 0, n);
            out.flush();
        }
        link.upstream.shutdownOutput();
    }

    /** How far into a request CUT_MID_BODY looks for the end of its headers. */
    private static final int HEADER_SCAN_BYTES = 16 * 1024;

    /** Finds the blank line that ends an HTTP request's headers, across the chunks it arrives in. */
    static final class HeadersEnd {
        private static final byte[] END = {'\r', '\n', '\r', '\n'};
        private int matched;

        /** @return the index in the chunk of the first byte after the headers, or n when they have not ended in it */
        int bodyStart(byte[] chunk, int n) {
            for (int i = 0; i < n; i++) {
                if (matched == END.length) {
                    return i;
                }
                matched = chunk[i] == END[matched] ? matched + 1 : chunk[i] == '\r' ? 1 : 0;
            }
            return n;
        }
    }

    /** Server → client. */
    private void pumpResponses(Link link, Mode m) {
        try {
            InputStream in = link.upstream.getInputStream();
            OutputStream out = link.client.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (m.kind() == Kind.DROP_RESPONSE) {
                    // The server writes its answer only after it committed: the first byte proves it.
                    droppedResponses.incrementAndGet();
                    link.cut();
                    return;
                }
                if (m.latencyMs() > 0) {
                    sleepQuietly(m.latencyMs());
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            link.close();
        } catch (IOException e) {
            link.cut();
        } finally {
            links.remove(link);
        }
    }

    private void cutAll() {
        for (Link link : links) {
            link.cut();
        }
        links.clear();
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (in.read(buffer) >= 0) {
            // read and forget: the client believes it is talking to a server that never answers
        }
    }

    /** SO_LINGER 0 makes close() send RST instead of FIN: the peer sees "connection reset". */
    static void resetQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            if (!socket.isClosed()) {
                socket.setSoLinger(true, 0);
            }
        } catch (SocketException ignored) {
            // already gone
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One proxied connection. */
    private static final class Link {
        final Socket client;
        volatile Socket upstream;

        Link(Socket client) {
            this.client = client;
        }

        void cut() {
            resetQuietly(client);
            resetQuietly(upstream);
        }

        /** The server closed: pass the FIN on after the bytes already written, no RST that could discard them. */
        void close() {
            try {
                client.shutdownOutput();
            } catch (IOException ignored) {
                // the client went first
            }
            closeQuietly(client);
            closeQuietly(upstream);
        }

        private static void closeQuietly(Socket socket) {
            if (socket == null) {
                return;
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }
}
