package dev.ignis.operator.testing;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server side of one {@code pods/NAME/portforward} connection, as the API server and the kubelet answer
 * kubectl 1.32: a WebSocket with the subprotocol {@code SPDY/3.1+portforward.k8s.io} whose binary messages
 * carry a SPDY/3.1 byte stream (client-go's tunneling connection; a message may hold any part of a frame). On
 * it, for every local connection, kubectl opens two streams with the headers {@code streamType} ({@code error}
 * or {@code data}), {@code port} and {@code requestID}; each gets a SYN_REPLY at once (kubectl waits for it).
 * When both streams of a request are open, this side connects to the address the test gave for the pod's port
 * and copies bytes both ways: kubectl's FIN on the data stream half-closes the socket; the socket's end sends
 * FIN on the error stream, then on the data stream. A port the test serves nowhere, or a refused connection,
 * is reported on the error stream as the kubelet words it. PINGs are answered. There is no flow control:
 * kubectl's SPDY library never waits for window updates.
 */
final class PortForwardConnection extends WebSocketListener {

    private static final Logger LOG = Logger.getLogger(PortForwardConnection.class.getName());
    private static final byte[] END = new byte[0];

    private final String pod;
    /** The pod's container port → where its process listens on this machine, or null. */
    private final IntFunction<InetSocketAddress> ports;
    private final Spdy.FrameReader reader = new Spdy.FrameReader();
    private final Spdy.HeaderDecoder decoder = new Spdy.HeaderDecoder();
    private final Spdy.HeaderEncoder encoder = new Spdy.HeaderEncoder();
    private final Map<String, Request> requests = new ConcurrentHashMap<>();
    private final Map<Integer, Request> byStream = new ConcurrentHashMap<>();
    private volatile WebSocket socket;
    private volatile boolean closed;

    /** The two streams of one forwarded connection and the socket to the pod's port. */
    private static final class Request {
        final BlockingQueue<byte[]> toPod = new LinkedBlockingQueue<>();
        int errorStream;
        int dataStream;
        int port;
        volatile boolean reset;
        volatile Socket socket;
    }

    PortForwardConnection(String pod, IntFunction<InetSocketAddress> ports) {
        this.pod = pod;
        this.ports = ports;
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
        socket = webSocket;
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
        socket = webSocket;
        try {
            reader.append(bytes);
            Spdy.Frame frame;
            while ((frame = reader.next()) != null) {
                handle(frame);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "port-forward to " + pod + ": " + e.getMessage(), e);
            webSocket.close(1002, "protocol error");
            close();
        }
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
        webSocket.close(1003, "the SPDY tunnel takes binary messages only");
        close();
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
        close();
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
        close();
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        close();
    }

    private void handle(Spdy.Frame frame) {
        if (!frame.control()) {
            Request request = byStream.get(frame.streamId());
            if (request != null && frame.streamId() == request.dataStream) {
                if (frame.payload().length > 0) {
                    request.toPod.add(frame.payload());
                }
                if (frame.fin()) {
                    request.toPod.add(END);
                }
            }
            return; // the error stream carries nothing from kubectl but its FIN
        }
        switch (frame.type()) {
            case Spdy.SYN_STREAM -> open(frame);
            case Spdy.RST_STREAM -> {
                Request request = byStream.get(frame.payloadStreamId());
                if (request != null && frame.payloadStreamId() == request.dataStream) {
                    request.reset = true;
                    request.toPod.add(END);
                    closeQuietly(request.socket);
                }
            }
            case Spdy.PING -> {
                if ((frame.payloadStreamId() & 1) == 1) { // kubectl's (odd); an even one would answer ours
                    send(Spdy.control(Spdy.PING, 0, frame.payload()));
                }
            }
            case Spdy.GOAWAY -> close();
            default -> {
                // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do without flow control
            }
        }
    }

    private void open(Spdy.Frame frame) {
        int stream = frame.payloadStreamId();
        Map<String, String> headers = decoder.decode(frame.payload(), 10);
        synchronized (this) {
            send(Spdy.control(Spdy.SYN_REPLY, 0, Spdy.int32(stream), encoder.encode(Map.of())));
        }
        String id = headers.getOrDefault("requestid", Integer.toString(stream));
        Request request = requests.computeIfAbsent(id, k -> new Request());
        request.port = Integer.parseInt(headers.getOrDefault("port", "0"));
        byStream.put(stream, request);
        boolean ready;
        synchronized (request) {
            switch (headers.getOrDefault("streamtype", "")) {
                case "error" -> request.errorStream = stream;
                case "data" -> request.dataStream = stream;
                default -> throw new IllegalArgumentException("a stream of unknown streamType: " + headers);
            }
            ready = request.errorStream != 0 && request.dataStream != 0;
        }
        if (ready) {
            requests.remove(id);
            Thread.ofVirtual().name("port-forward " + pod + ":" + request.port).start(() -> forward(request));
        }
    }

    private void forward(Request request) {
        InetSocketAddress address = ports.apply(request.port);
        try (Socket pod = new Socket()) {
            if (address == null) {
                throw new IOException("nothing listens on port " + request.port + " of the pod in this test");
            }
            pod.connect(address, 5000);
            request.socket = pod;
            Thread toPod = Thread.ofVirtual().start(() -> copyToPod(request, pod));
            InputStream in = pod.getInputStream();
            byte[] buffer = new byte[32 * 1024];
            int n;
            while (!request.reset && (n = in.read(buffer)) > 0) {
                send(Spdy.data(request.dataStream, 0, buffer, 0, n));
            }
            request.toPod.add(END);
            toPod.join();
        } catch (IOException e) {
            if (!request.reset && !closed) {
                // The kubelet's words, so kubectl prints what it would print against a cluster.
                byte[] message = ("error forwarding port " + request.port + " to pod " + pod + ": " + e.getMessage())
                        .getBytes(StandardCharsets.UTF_8);
                send(Spdy.data(request.errorStream, 0, message, 0, message.length));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            send(Spdy.data(request.errorStream, Spdy.FLAG_FIN, END, 0, 0));
            if (!request.reset) {
                send(Spdy.data(request.dataStream, Spdy.FLAG_FIN, END, 0, 0));
            }
            byStream.remove(request.errorStream);
            byStream.remove(request.dataStream);
        }
    }

    private static void copyToPod(Request request, Socket pod) {
        try {
            OutputStream out = pod.getOutputStream();
            while (true) {
                byte[] bytes = request.toPod.take();
                if (bytes == END) {
                    if (!pod.isClosed()) {
                        pod.shutdownOutput(); // kubectl's side is done: the process reads its end
                    }
                    return;
                }
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(pod);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void send(byte[] frame) {
        WebSocket webSocket = socket;
        if (webSocket != null && !closed) {
            webSocket.send(frame);
        }
    }

    private void close() {
        closed = true;
        for (Request request : byStream.values()) {
            request.reset = true;
            request.toPod.add(END);
            closeQuietly(request.socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
