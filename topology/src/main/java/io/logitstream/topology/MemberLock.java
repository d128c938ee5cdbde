package io.logitstream.topology;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Holds a file lock in {@code <state.dir>/<application.id>/} for as long as this process runs the
 * topology. The default static member name is derived from the state directory, so it is unique
 * only while one process uses that directory: Kafka Streams locks it only for persistent stores,
 * and the routing topology keeps its state in memory. The operating system drops the lock when the
 * process dies, {@code kill -9} included, so a restarted instance gets it back.
 */
final class MemberLock implements AutoCloseable {

    private static final String FILE = "logitstream-member.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private MemberLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another process (or another topology in this one) holds it. */
    static Optional<MemberLock> tryAcquire(Path stateDir, String applicationId) {
        FileChannel channel = null;
        try {
            Path dir = Files.createDirectories(stateDir.resolve(applicationId));
            channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new MemberLock(channel, lock));
            }
        } catch (OverlappingFileLockException e) {
            // held by another topology in this JVM
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the state directory " + stateDir + ": " + e.getMessage(), e);
        }
        closeQuietly(channel);
        return Optional.empty();
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel's close below releases it as well
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held any more
            }
        }
    }
}
