package io.logitstream.worker.engine.batch;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Where the running batch avoids computing what it already has: at admission a sequence takes the
 * longest cached prefix of its tokens from the {@link PrefixCache}, or, when a sequence admitted
 * earlier (of the same CHOICE, or of another request arriving at the same time, such as a hundred
 * questions behind one few-shot header) shares more of its prompt, waits for that leader to compute
 * the shared positions and copies them from its slot. When work finishes, its sequences' keys and
 * values go into the cache for later requests (and sessions); followers of work that leaves are
 * served from the cache instead.
 *
 * <p>Used only for models whose prefill can be split without changing results
 * ({@code CausalLanguageModel.prefillChunkingExact()}), since a reused prefix was computed in
 * another step than the tokens after it. Single threaded, like the batcher.
 */
final class PrefixReuse {

    /** A sequence held until its leader has computed the {@code length} positions they share. */
    private record Follower(BatchSequence sequence, BatchSequence leader, int length) {
    }

    /**
     * A follower waits a step or two for its leader, so it follows only for at least this many more
     * positions than the cache gives (or all it could reuse, when that is less).
     */
    static final int MIN_FOLLOW_GAIN = 8;

    private final PrefixCache cache;
    private final SlotKvCache slots;
    private final Map<BatchWork, List<Follower>> followers = new IdentityHashMap<>();
    /** Sequences of the running work, in admission order: the leaders later sequences may follow. */
    private final Map<BatchWork, List<BatchSequence>> running = new java.util.LinkedHashMap<>();
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
            Follower f = place(s, work.sharesPrefixes() ? sequences.subList(0, i) : List.of(), running.values());
            if (f != null) {
                waiting.add(f);
            }
        }
        if (!waiting.isEmpty()) {
            followers.put(work, waiting);
        }
        running.put(work, sequences);
    }

    /**
     * Gives {@code s} the longest prefix it can have: from the cache at once, or, when an earlier
     * sequence ({@code ownEarlier} of its work, or of {@code earlierWork}) shares clearly more of it,
     * by following that one (then {@code s} is held and the follower returned).
     */
    private Follower place(BatchSequence s, List<BatchSequence> ownEarlier,
            Iterable<List<BatchSequence>> earlierWork) {
        int limit = s.reusableLength();
        int[] tokens = s.keyTokens(); // image positions keyed by their image, not the image token
        PrefixCache.Match match = cache == null || limit == 0 ? PrefixCache.Match.NONE : cache.lookup(tokens, limit);
        Follower best = leaderFor(s, tokens, limit, ownEarlier, null);
        for (List<BatchSequence> others : earlierWork) {
            best = leaderFor(s, tokens, limit, others, best);
        }
        int gain = best == null ? 0 : best.length() - match.length();
        if (gain > 0 && gain >= Math.min(MIN_FOLLOW_GAIN, limit - match.length())) {
            s.hold();
            return best;
        }
        if (match.length() > 0) {
            cache.restore(match, slots, s.slot());
            s.skipCached(match.length());
        }
        s.resume();
        return null;
    }

    /**
     * The earlier sequence sharing the most leading tokens with {@code s}, if more than {@code best}.
     * Only a leader's prompt counts: generated positions of beams are rewritten when beams reorder.
     */
    private static Follower leaderFor(BatchSequence s, int[] tokens, int limit, List<BatchSequence> earlier,
            Follower best) {
        for (BatchSequence leader : earlier) {
            if (leader.slot() < 0) {
                continue;
            }
            int n = 0;
            int max = Math.min(limit, leader.promptLength());
            while (n < max && leader.keyToken(n) == tokens[n]) {
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
        running.remove(work);
        if (cache != null) {
            boolean first = true;
            for (BatchSequence s : work.cacheable()) {
                if (s.slot() >= 0 && s.fed() > 0) {
                    cache.store(s.keyTokens(), s.fed(), slots, s.slot(), first ? session : null);
                    first = false;
                }
            }
        }
        orphan(work);
    }

    /** Forgets work that left without finishing (cancelled or failed); call before its slots are freed. */
    void dropped(BatchWork work) {
        sessions.remove(work);
        followers.remove(work);
        running.remove(work);
        orphan(work);
    }

    /**
     * Followers of a leaving work's sequences are placed again: the cache has the shared prefix when
     * that work just finished; otherwise they may follow another earlier sequence, or compute.
     */
    private void orphan(BatchWork gone) {
        List<BatchSequence> leaving = gone.sequences();
        List<BatchWork> earlier = new ArrayList<>();
        for (BatchWork work : running.keySet()) {
            List<Follower> waiting = followers.get(work);
            if (waiting != null) {
                for (int i = 0; i < waiting.size(); i++) {
                    Follower f = waiting.get(i);
                    if (leaving.stream().anyMatch(l -> l == f.leader())) {
                        waiting.set(i, place(f.sequence(), List.of(),
                                earlier.stream().map(running::get).toList()));
                    }
                }
                waiting.removeIf(java.util.Objects::isNull);
                if (waiting.isEmpty()) {
                    followers.remove(work);
                }
            }
            earlier.add(work);
        }
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
