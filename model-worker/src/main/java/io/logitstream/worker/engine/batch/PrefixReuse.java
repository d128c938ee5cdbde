package io.logitstream.worker.engine.batch;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Where the running batch avoids computing what it already has: at admission a sequence takes the
 * longest cached prefix of its tokens from the {@link PrefixCache}, or waits for an earlier
 * sequence of the same work that shares more of its tokens (a CHOICE context) and copies that
 * slot's positions once they are computed; when work finishes, its sequences' keys and values go
 * into the cache for later requests (and sessions).
 *
 * <p>Used only for models whose prefill can be split without changing results
 * ({@code CausalLanguageModel.prefillChunkingExact()}), since a reused prefix was computed in
 * another step than the tokens after it. Single threaded, like the batcher.
 */
final class PrefixReuse {

    /** A sequence held until its leader has computed the {@code length} positions they share. */
    private record Follower(BatchSequence sequence, BatchSequence leader, int length) {
    }

    private final PrefixCache cache;
    private final SlotKvCache slots;
    private final Map<BatchWork, List<Follower>> followers = new IdentityHashMap<>();
    private final Map<BatchWork, String> sessions = new IdentityHashMap<>();

    /** @param cache the cache across requests, or null to share only within a request */
    PrefixReuse(PrefixCache cache, SlotKvCache slots) {
        this.cache = cache;
        this.slots = slots;
    }

    void session(BatchWork work, String session) {
        if (session != null) {
            sessions.put(work, session);
        }
    }

    /** Fills the new slots of {@code work} from the cache and sets up followers. */
    void admitted(BatchWork work) {
        List<BatchSequence> sequences = work.sequences();
        List<Follower> waiting = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            BatchSequence s = sequences.get(i);
            if (s.pending() == 0) {
                continue; // held by its work (a beam not forked yet)
            }
            int limit = s.reusableLength();
            int[] tokens = s.tokens();
            PrefixCache.Match match = cache == null || limit == 0 ? PrefixCache.Match.NONE : cache.lookup(tokens, limit);
            Follower best = work.sharesPrefixes() ? leaderFor(s, tokens, limit, sequences.subList(0, i)) : null;
            if (best != null && best.length() > match.length()) {
                s.hold();
                waiting.add(best);
            } else if (match.length() > 0) {
                cache.restore(match, slots, s.slot());
                s.skipCached(match.length());
            }
        }
        if (!waiting.isEmpty()) {
            followers.put(work, waiting);
        }
    }

    private static Follower leaderFor(BatchSequence s, int[] tokens, int limit, List<BatchSequence> earlier) {
        Follower best = null;
        for (BatchSequence leader : earlier) {
            int n = 0;
            int max = Math.min(limit, leader.length());
            while (n < max && leader.token(n) == tokens[n]) {
                n++;
            }
            if (n > 0 && (best == null || n > best.length())) {
                best = new Follower(s, leader, n);
            }
        }
        return best;
    }

    /** Lets go the followers whose leaders have computed the shared positions. */
    void releaseFollowers() {
        for (Iterator<List<Follower>> it = followers.values().iterator(); it.hasNext(); ) {
            List<Follower> waiting = it.next();
            waiting.removeIf(f -> {
                if (f.leader().fed() < f.length()) {
                    return false;
                }
                slots.copyPrefix(f.sequence().slot(), f.leader().slot(), f.length());
                f.sequence().skipCached(f.length());
                f.sequence().resume();
                return true;
            });
            if (waiting.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Keeps a finished work's keys and values for later requests; call before its slots are freed. */
    void finished(BatchWork work) {
        String session = sessions.remove(work);
        followers.remove(work);
        if (cache == null) {
            return;
        }
        boolean first = true;
        for (BatchSequence s : work.cacheable()) {
            if (s.slot() >= 0 && s.fed() > 0) {
                cache.store(s.tokens(), s.fed(), slots, s.slot(), first ? session : null);
                first = false;
            }
        }
    }

    /** Forgets work that left without finishing (cancelled or failed). */
    void dropped(BatchWork work) {
        sessions.remove(work);
        followers.remove(work);
    }

    String stats() {
        return cache == null ? "no prefix cache" : cache.stats();
    }

    PrefixCacheStats cacheStats() {
        return cache == null ? PrefixCacheStats.NONE : cache.counters();
    }

    void close() {
        if (cache != null) {
            cache.close();
        }
    }
}
