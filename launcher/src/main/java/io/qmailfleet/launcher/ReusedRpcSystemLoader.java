package io.qmailfleet.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.net.UnknownHostException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.core.classloading.SubmoduleClassLoader;
import org.apache.flink.runtime.rpc.AddressResolution;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.apache.flink.runtime.rpc.RpcSystemLoader;
import org.apache.flink.runtime.rpc.exceptions.RpcLoaderException;

/**
 * The local jar's RPC system: Flink's Pekko RPC from its jar, a resource of this jar
 * ({@value #RESOURCE}, 21 MB), written once to a private folder of the temporary directory and
 * used from there by every later run, instead of written to a new file at every start and deleted
 * at its end (Flink's own loader, which stays the fallback: this one is tried first).
 *
 * <p>The file is named by the resource's size and CRC-32 (from the jar's directory, nothing is
 * read for it), so another build of the jar gets its own file; it is written to a temporary name
 * and moved into place, so a run never sees half a file. The folder, {@code qmail-fleet-rpc-<user>}
 * in {@code io.tmp.dirs}, must belong to the user running the job and be closed to everybody else
 * (made so when it is created), so nobody else can put a jar there; otherwise, or when this jar's
 * resource cannot be found, Flink's loader does the work.
 *
 * <p>In the JVM that makes the jar's class-data sharing archive ({@code -XX:ArchiveClassesAtExit}),
 * closing the RPC system first links every class the run loaded from that jar (without
 * initialising it): the JDK archives only linked classes, and a third of the RPC system's classes
 * are loaded but never linked, so every run would parse them from the jar again.
 */
public final class ReusedRpcSystemLoader implements RpcSystemLoader {
    static final String RESOURCE = "flink-rpc-akka.jar";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    @Override
    public int getLoadPriority() {
        return -1; // before Flink's loader (0)
    }

    @Override
    public RpcSystem loadRpcSystem(Configuration config) {
        ClassLoader flink = RpcSystem.class.getClassLoader();
        URL resource = flink.getResource(RESOURCE);
        if (resource == null) throw new RpcLoaderException(RESOURCE + " is not on the class path");
        try {
            Path jar = cached(resource, Path.of(ConfigurationUtils.parseTempDirectories(config)[0]));
            Loader loader = new Loader(new URL[] {jar.toUri().toURL()}, flink, jar);
            return new Kept(ServiceLoader.load(RpcSystem.class, loader).iterator().next(), loader);
        } catch (IOException | RuntimeException e) {
            throw new RpcLoaderException("the RPC system's jar could not be reused", e);
        }
    }

    /** The resource's file in {@code tmp}'s private folder, written there if it is not yet. */
    static Path cached(URL resource, Path tmp) throws IOException {
        URLConnection c = resource.openConnection();
        if (!(c instanceof JarURLConnection)) throw new IOException(resource + " is not in a jar");
        c.setUseCaches(false);
        JarEntry entry = ((JarURLConnection) c).getJarEntry();
        if (entry.getSize() < 0 || entry.getCrc() < 0) throw new IOException(resource + ": no size or CRC in the jar");
        Path dir = privateFolder(tmp);
        Path jar = dir.resolve(String.format("flink-rpc-%d-%08x.jar", entry.getSize(), entry.getCrc()));
        if (Files.isRegularFile(jar, LinkOption.NOFOLLOW_LINKS) && Files.size(jar) == entry.getSize()) return jar;
        Path part = Files.createTempFile(dir, "flink-rpc-", ".part");
        try (InputStream in = c.getInputStream()) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            if (Files.size(part) != entry.getSize()) throw new IOException(resource + ": read " + Files.size(part) + " bytes of " + entry.getSize());
            Files.move(part, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
        return jar;
    }

    /** {@code tmp/qmail-fleet-rpc-<user>}: made owner-only if new; refused unless the user's and closed to others. */
    static Path privateFolder(Path tmp) throws IOException {
        String user = System.getProperty("user.name");
        Path dir = tmp.resolve("qmail-fleet-rpc-" + user);
        try {
            Files.createDirectories(tmp);
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // made by an earlier run; checked below
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) throw new IOException(dir + " is not a folder");
        if (!Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(user)) {
            throw new IOException(dir + " does not belong to " + user);
        }
        if (!OWNER_ONLY.containsAll(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS))) {
            throw new IOException(dir + " is open to other users");
        }
        return dir;
    }

    /** Flink's class loader for the RPC system's jar, which can tell the classes it has loaded. */
    static final class Loader extends SubmoduleClassLoader {
        private final Path jar;

        Loader(URL[] urls, ClassLoader owner, Path jar) {
            super(urls, owner);
            this.jar = jar;
        }

        /** Links (does not initialise) every class this loader has loaded from its jar; how many. */
        int linkLoaded() throws IOException {
            int linked = 0;
            try (JarFile f = new JarFile(jar.toFile())) {
                for (JarEntry e : java.util.Collections.list(f.entries())) {
                    String n = e.getName();
                    if (!n.endsWith(".class") || n.startsWith("META-INF/")) continue;
                    Class<?> c = findLoadedClass(n.substring(0, n.length() - 6).replace('/', '.'));
                    if (c == null || c.getClassLoader() != this) continue;
                    try {
                        c.getDeclaredMethods(); // the JVM links a class before it lists its methods
                        linked++;
                    } catch (LinkageError | SecurityException ex) {
                        // cannot be linked here (a class it needs is missing): left out of the archive
                    }
                }
            }
            return linked;
        }
    }

    /** Whether this JVM writes a class-data sharing archive when it exits. */
    static boolean archiving() {
        for (String o : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (o.startsWith("-XX:ArchiveClassesAtExit")) return true;
        }
        return false;
    }

    /** The RPC system; closing it closes its class loader and keeps the jar for the next run. */
    static final class Kept implements RpcSystem {
        private final RpcSystem rpc;
        private final Loader loader;

        Kept(RpcSystem rpc, Loader loader) {
            this.rpc = rpc;
            this.loader = loader;
        }

        @Override
        public RpcServiceBuilder localServiceBuilder(Configuration config) {
            return rpc.localServiceBuilder(config);
        }

        @Override
        public RpcServiceBuilder remoteServiceBuilder(Configuration config, String externalAddress, String externalPortRange) {
            return rpc.remoteServiceBuilder(config, externalAddress, externalPortRange);
        }

        @Override
        public String getRpcUrl(String hostname, int port, String endpointName, AddressResolution addressResolution,
                                Configuration config) throws UnknownHostException {
            return rpc.getRpcUrl(hostname, port, endpointName, addressResolution, config);
        }

        @Override
        public InetSocketAddress getInetSocketAddressFromRpcUrl(String url) throws Exception {
            return rpc.getInetSocketAddressFromRpcUrl(url);
        }

        @Override
        public long getMaximumMessageSizeInBytes(Configuration config) {
            return rpc.getMaximumMessageSizeInBytes(config);
        }

        @Override
        public void close() {
            try {
                if (archiving()) loader.linkLoaded();
            } catch (IOException | RuntimeException e) {
                // the archive just has fewer of the RPC system's classes
            }
            try {
                rpc.close();
            } finally {
                try {
                    loader.close();
                } catch (IOException e) {
                    // the class loader's jar stays open until the JVM exits: nothing to do
                }
            }
        }
    }
}
