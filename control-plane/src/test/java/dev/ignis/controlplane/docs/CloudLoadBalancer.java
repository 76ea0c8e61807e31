package dev.ignis.controlplane.docs;

import dev.ignis.acl.AllowList;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a cloud does for a Service of type LoadBalancer, where there is no cloud: the cloud controller gives
 * the Service an address ({@link #assign}, written to the Service's status as the controller writes it), and
 * the load balancer at that address forwards each connection on a Service port to a Ready pod the Service
 * selects, at the pod's target port, after its firewall has dropped every source outside the Service's
 * {@code loadBalancerSourceRanges}.
 *
 * <p>Such an address (203.0.113.9, a documentation range) is not reachable from this machine, so the network
 * between the reader and the load balancer is an HTTP proxy on 127.0.0.1 ({@link #proxy}), which the test puts
 * in the page's environment as {@code http_proxy}: curl then sends {@code POST http://203.0.113.9/v1/...} to
 * it, and the command runs exactly as written. (kubectl talks HTTPS to the API server on 127.0.0.1, which
 * {@code http_proxy} does not touch.) Each request is forwarded on its own connection, in origin form, with
 * {@code Connection: close}; the answer, streamed or not, is copied back as it comes. The pods' addresses
 * here are those the {@link Kubelet} gave the containers it ran. A request for an address no Service has is
 * answered 502, and one for a Service with no Ready pod 503, as a proxy would.
 */
final class CloudLoadBalancer implements AutoCloseable {

    private static final int MAX_HEAD = 64 * 1024;

    private final KubernetesClient client;
    private final Kubelet kubelet;
    private final ServerSocket server;
    private final Map<String, String> services = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final Thread acceptor;

    CloudLoadBalancer(KubernetesClient client, Kubelet kubelet) throws IOException {
        this.client = client;
        this.kubelet = kubelet;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("cloud-load-balancer").start(this::accept);
    }

    /** The cloud controller's part: {@code address} becomes the load balancer's, in the Service's status. */
    void assign(String namespace, String service, String address) {
        client.services().inNamespace(namespace).withName(service).editStatus(s -> {
            s.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp(address)
                    .endIngress().endLoadBalancer().build());
            return s;
        });
        services.put(address, namespace + "/" + service);
    }

    /** The proxy that leads to the addresses {@link #assign}ed, for {@code http_proxy}. */
    String proxy() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] request = lines[0].split(" ");
            URI target = request.length == 3 ? URI.create(request[1]) : null;
            if (target == null || !"http".equals(target.getScheme()) || target.getHost() == null) {
                answer(client, 400, "Bad Request", "this proxy forwards http://host/path requests only: " + lines[0]);
                return;
            }
            String host = target.getHost().startsWith("[") ? target.getHost().substring(1, target.getHost().length() - 1)
                    : target.getHost();
            String name = services.get(host);
            if (name == null) {
                answer(client, 502, "Bad Gateway", "no load balancer has the address " + host);
                return;
            }
            Service service = this.client.services().inNamespace(name.split("/")[0]).withName(name.split("/")[1]).get();
            int port = target.getPort() == -1 ? 80 : target.getPort();
            ServicePort servicePort = service == null ? null : service.getSpec().getPorts().stream()
                    .filter(p -> p.getPort() == port).findFirst().orElse(null);
            if (servicePort == null) {
                answer(client, 502, "Bad Gateway", "the load balancer " + host + " has no port " + port);
                return;
            }
            List<String> ranges = service.getSpec().getLoadBalancerSourceRanges();
            if (ranges != null && !ranges.isEmpty()
                    && !AllowList.parse(ranges).allows(client.getInetAddress())) {
                return; // the cloud's firewall drops the connection without an answer
            }
            InetSocketAddress backend = backend(service, servicePort);
            if (backend == null) {
                answer(client, 503, "Service Unavailable", "no Ready pod behind " + name);
                return;
            }
            forward(client, in, lines, request, target, backend);
        } catch (IOException e) {
            // the client or the pod went away: so does the connection
        }
    }

    /** A Ready pod the Service selects, in turn, at the address its container's target port has here. */
    private InetSocketAddress backend(Service service, ServicePort servicePort) {
        String namespace = service.getMetadata().getNamespace();
        List<Pod> ready = client.pods().inNamespace(namespace).withLabels(service.getSpec().getSelector()).list()
                .getItems().stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .toList();
        if (ready.isEmpty()) {
            return null;
        }
        Pod pod = ready.get(Math.floorMod(next.getAndIncrement(), ready.size()));
        IntOrString target = servicePort.getTargetPort();
        int containerPort = target == null ? servicePort.getPort()
                : target.getIntVal() != null ? target.getIntVal()
                : pod.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                        .filter(p -> target.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
                        .findFirst().orElse(-1);
        return kubelet.address(namespace, pod.getMetadata().getName(), containerPort);
    }

    private static void forward(Socket client, InputStream in, String[] lines, String[] request, URI target,
            InetSocketAddress backend) throws IOException {
        try (Socket pod = new Socket()) {
            pod.connect(backend, 5_000);
            StringBuilder head = new StringBuilder();
            head.append(request[0]).append(' ').append(target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                    .append(target.getRawQuery() == null ? "" : "?" + target.getRawQuery()).append(' ')
                    .append(request[2]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                String lower = lines[i].toLowerCase(Locale.ROOT);
                if (!lower.startsWith("proxy-") && !lower.startsWith("connection:") && !lines[i].isEmpty()) {
                    head.append(lines[i]).append("\r\n");
                }
            }
            head.append("Connection: close\r\n\r\n");
            OutputStream toPod = pod.getOutputStream();
            toPod.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            toPod.flush();
            Thread upstream = Thread.ofVirtual().start(() -> {
                try {
                    in.transferTo(toPod);
                    pod.shutdownOutput();
                } catch (IOException e) {
                    // the pod closed first: its answer is complete or lost either way
                }
            });
            pod.getInputStream().transferTo(client.getOutputStream());
            client.shutdownOutput();
            upstream.interrupt();
        }
    }

    /** The request line and headers, up to and including the blank line; null when the client sent none. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head over " + MAX_HEAD + " bytes");
            }
        }
        return head.toByteArray();
    }

    private static void answer(Socket client, int status, String reason, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        OutputStream out = client.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5_000);
    }
}
