package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberLockTest {

    @Test
    void oneHolderPerStateDirectoryAndApplicationUntilReleased(@TempDir Path stateDir) {
        Optional<MemberLock> first = MemberLock.tryAcquire(stateDir, "app");
        assertThat(first).isPresent();
        assertThat(MemberLock.tryAcquire(stateDir, "app")).isEmpty();

        Optional<MemberLock> otherApplication = MemberLock.tryAcquire(stateDir, "other-app");
        assertThat(otherApplication).isPresent();

        first.get().close();
        Optional<MemberLock> again = MemberLock.tryAcquire(stateDir, "app");
        assertThat(again).isPresent();
        again.get().close();
        otherApplication.get().close();
    }
}
