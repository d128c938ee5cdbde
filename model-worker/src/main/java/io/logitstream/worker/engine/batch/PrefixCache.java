package io.logitstream.worker.engine.batch;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys and values of token prefixes that finished requests computed, kept so that a later request
 * starting with the same tokens computes only the rest: a radix tree whose edges are runs of token
 * ids, each with the {@link KvSegment} of its positions. A few-shot header shared by a hundred
 * questions is stored once, and each question adds only its own tail.
 *
 * <p>Only exact token prefixes are reused: a request that tokenizes its text differently from an
 * earlier one at some position reuses the positions before it and computes the rest. A hit is
 * copied into the request's KV slot at admission ({@link #restore}); the running batch never reads
 * the tree, so nothing in it is referenced by running work and entries can be evicted at any time
 * without reference counts. Copying a 400-token prefix of a 124M model moves ~30 MB, about 1% of
 * the time computing it takes on a CPU.
 *
 * <p>Bounded by a memory budget: when a new tail does not fit, least recently used leaves are
 * evicted, first those of no session, then the sessions' own (a chat whose history was evicted
 * simply recomputes it). Not thread-safe: the serving thread owns it.
 */
public final class PrefixCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrefixCache.class);

    /** A lookup result: the cached positions [0, length) as pieces of tree edges. */
    public record Match(List<Piece> pieces, int length) {
        static final Match NONE = new Match(List.of(), 0);
    }

    /** The first {@code count} positions of one edge. */
    record Piece(KvSegment kv, int count) {
    }

    private static final class Node {
        final Map<Integer, Node> children = new HashMap<>();
        Node parent;
        int[] tokens;
        KvSegment kv;
        long lastUsed;
        String session;

        Node(Node parent, int[] tokens, KvSegment kv) {
            this.parent = parent;
            this.tokens = tokens;
            this.kv = kv;
        }
    }

    private final NDManager manager;
    private final long budgetBytes;
    private final long bytesPerToken;
    private final Node root = new Node(null, new int[0], null);
    private final Map<String, Node> sessions = new HashMap<>();
    private final Set<Node> leaves = Collections.newSetFromMap(new IdentityHashMap<>());
    private long bytes;
    private long clock;
    private long lookups;
    private long hits;
    private long reusedTokens;
    private long evictedTokens;

    public PrefixCache(NDManager parent, long budgetBytes, long bytesPerToken) {
        this.manager = parent.newSubManager();
        this.budgetBytes = budgetBytes;
        this.bytesPerToken = bytesPerToken;
    }

    /** The longest cached prefix of {@code tokens[0, limit)}. */
    public Match lookup(int[] tokens, int limit) {
        lookups++;
        List<Piece> pieces = new ArrayList<>();
        Node node = root;
        int pos = 0;
        long now = ++clock;
        while (pos < limit) {
            Node child = node.children.get(tokens[pos]);
            if (child == null) {
                break;
            }
            int n = common(child.tokens, tokens, pos, limit);
            pieces.add(new Piece(child.kv, n));
            child.lastUsed = now;
            pos += n;
            if (n < child.tokens.length) {
                break;
            }
            node = child;
        }
        if (pos > 0) {
            hits++;
            reusedTokens += pos;
        }
        return pos == 0 ? Match.NONE : new Match(List.copyOf(pieces), pos);
    }

    /** Copies a match into positions [0, match.length) of a slot. */
    public void restore(Match match, SlotKvCache cache, int slot) {
        int at = 0;
        for (Piece p : match.pieces()) {
            cache.restore(slot, at, p.kv(), p.count());
            at += p.count();
        }
        cache.setLength(slot, at);
    }

    /**
     * Keeps positions [0, length) of a slot under {@code tokens[0, length)}; only the part not in the
     * tree yet is copied. {@code session} (nullable) marks where that session's latest turn ends.
     */
    public void store(int[] tokens, int length, SlotKvCache cache, int slot, String session) {
        Set<Node> path = Collections.newSetFromMap(new IdentityHashMap<>());
        long now = ++clock;
        Node node = root;
        int pos = 0;
        while (pos < length) {
            Node child = node.children.get(tokens[pos]);
            if (child == null) {
                long need = bytesPerToken * (length - pos);
                if (!makeRoom(need, path)) {
                    break;
                }
                child = new Node(node, java.util.Arrays.copyOfRange(tokens, pos, length),
                        cache.extract(slot, pos, length, manager));
                node.children.put(tokens[pos], child);
                leaves.remove(node);
                leaves.add(child);
                bytes += need;
                pos = length;
            } else {
                int n = common(child.tokens, tokens, pos, length);
                if (n < child.tokens.length) {
                    child = split(child, n);
                }
                pos += n;
            }
            child.lastUsed = now;
            path.add(child);
            node = child;
        }
        if (session != null && node != root && pos == length) {
            markSession(session, node);
        }
    }

    /** Splits an edge after its first {@code n} tokens; returns the new upper node. */
    private Node split(Node child, int n) {
        Node upper = new Node(child.parent, java.util.Arrays.copyOf(child.tokens, n), child.kv.slice(manager, 0, n));
        KvSegment rest = child.kv.slice(manager, n, child.tokens.length);
        child.kv.close();
        child.kv = rest;
        child.tokens = java.util.Arrays.copyOfRange(child.tokens, n, child.tokens.length);
        child.parent.children.put(upper.tokens[0], upper);
        child.parent = upper;
        upper.children.put(child.tokens[0], child);
        upper.lastUsed = child.lastUsed;
        return upper;
    }

    private void markSession(String session, Node end) {
        Node previous = sessions.put(session, end);
        if (previous != null && previous != end && session.equals(previous.session)) {
            previous.session = null;
        }
        end.session = session;
    }

    /** Evicts least recently used leaves (not on {@code keep}) until {@code need} more bytes fit. */
    private boolean makeRoom(long need, Set<Node> keep) {
        if (need > budgetBytes) {
            return false;
        }
        while (bytes + need > budgetBytes) {
            Node victim = null;
            for (Node leaf : leaves) {
                if (!keep.contains(leaf) && (victim == null || older(leaf, victim))) {
                    victim = leaf;
                }
            }
            if (victim == null) {
                return false;
            }
            evict(victim);
        }
        return true;
    }

    /** Session-free leaves go first; within each kind the least recently used. */
    private static boolean older(Node a, Node b) {
        if ((a.session == null) != (b.session == null)) {
            return a.session == null;
        }
        return a.lastUsed < b.lastUsed;
    }

    private void evict(Node leaf) {
        Node parent = leaf.parent;
        parent.children.remove(leaf.tokens[0]);
        leaves.remove(leaf);
        if (leaf.session != null) {
            sessions.remove(leaf.session);
        }
        bytes -= bytesPerToken * leaf.tokens.length;
        evictedTokens += leaf.tokens.length;
        leaf.kv.close();
        if (parent != root && parent.children.isEmpty()) {
            leaves.add(parent);
        }
    }

    private static int common(int[] edge, int[] tokens, int pos, int limit) {
        int n = 0;
        while (n < edge.length && pos + n < limit && edge[n] == tokens[pos + n]) {
            n++;
        }
        return n;
    }

    public long bytes() {
        return bytes;
    }

    /** The counters and size as numbers (for metrics). */
    public PrefixCacheStats counters() {
        return new PrefixCacheStats(lookups, hits, reusedTokens, evictedTokens, bytes, budgetBytes);
    }

    /** Hit rate and sizes, for the serving log. */
    public String stats() {
        return String.format("prefix cache %d MiB of %d, %d/%d lookups hit, %d tokens reused, %d evicted",
                bytes >> 20, budgetBytes >> 20, hits, lookups, reusedTokens, evictedTokens);
    }

    @Override
    public void close() {
        log.debug("Closing {}", stats());
        manager.close();
    }
}
