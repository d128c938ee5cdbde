#!/usr/bin/env python3
"""The Hugging Face transformers side of `logitstream bench engine`.

The Java bench command starts this script as a child process and drives it over a line protocol: one
JSON request per line on stdin, one JSON response per line on stdout (everything else, including
transformers' progress bars and any stray print, goes to stderr). The Java side alternates repetitions
of the same workload between this process and our engine, so both see the same machine state.

Requests ("cmd"):
  info                         versions, threads, torch build (BLAS, CPU capability)
  matmul  n reps warmup        n x n fp32 torch.matmul -> median seconds and GFLOP/s
  gemm    m k n reps warmup    F.linear(x[m,k], W[n,k]) (our engine's addmm) -> GFLOP/s
  gelu    rows cols reps       F.gelu(x, approximate="tanh") (one kernel) and transformers' ACT2FN["gelu_new"]
  attention b h t d lens reps  one layer's attention core, right-padded batch: eager ops vs sdpa -> seconds
  tinyop  calls                x.add_(y) on 1-element tensors -> seconds per op (eager per-op overhead)
  load    dir attn head        AutoModelForCausalLM.from_pretrained(dir, dtype=float32, attn_implementation)
                               (head = classify: AutoModelForSequenceClassification)
  run     workload top_k new_tokens budget reps warmup
          workload.kind = score:    one forward over the prompts, then per real position: log-softmax,
                                    the logprob of the next token, argmax, top-k (what our Scorer returns).
                                    The batch is split like our Scorer splits it (sorted by length, logits
                                    of a sub-batch <= budget bytes), right-padded, use_cache=False.
                                    workload.mode: score (default) | logits (no post-processing) |
                                    body (base model only, no lm_head) | split (score, timing the forward
                                    passes and the post-processing separately); workload.input_order: split
                                    without sorting first; workload.unpadded: one sequence at a time.
          workload.kind = generate: model.generate(), greedy, exactly new_tokens new tokens (eos ignored),
                                    left-padded batch.
          workload.kind = classify: a *ForSequenceClassification forward over the Scorer's sub-batches,
                                    right-padded with the config's pad_token_id (transformers pools the last
                                    non-pad token); check: the label logits of every prompt, in input order.
          -> times_s (one per repetition) and a check value (sum of logprobs / the new token ids)
  serve   seqs new_tokens batch
          `bench serve`'s transformers side: the prompts in consecutive left-padded batches of `batch`
          (0: all in one), each a greedy generate of exactly new_tokens; a streamer clocks every step.
          -> wall_s, and per prompt: ttft_s (from the start of the whole run, so prompts of later
          batches include their wait), tpot_s (mean time between its new tokens), tokens (the new ids)
  quit

Run by hand (for debugging): echo '{"cmd":"info"}' | .venv/bin/python bench/python/hf_bench.py
"""
import json
import os
import platform
import resource
import statistics
import sys
import time
import traceback

# The protocol owns the real stdout; anything printed by libraries goes to stderr.
_PROTO = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, GenerationConfig  # noqa: E402
from transformers.generation.streamers import BaseStreamer  # noqa: E402

transformers.logging.set_verbosity_error()
try:
    transformers.utils.logging.disable_progress_bar()
except AttributeError:
    pass


def log(msg):
    print(f"[hf] {msg}", file=sys.stderr, flush=True)


def split_like_scorer(seqs, vocab, budget, input_order=False):
    """Our Scorer's partition: sort by length (shortest first, stable), then grow a sub-batch while
    rows x max_len x vocab x 4 bytes fit the budget. input_order: the same rule without sorting
    (the Scorer before it sorted)."""
    seqs = list(seqs) if input_order else sorted(seqs, key=len)
    out, i = [], 0
    while i < len(seqs):
        max_len, j = 0, i
        while j < len(seqs):
            ln = max(max_len, len(seqs[j]))
            if j > i and (j - i + 1) * ln * vocab * 4 > budget:
                break
            max_len, j = ln, j + 1
        out.append(seqs[i:j])
        i = j
    return out


def padded(sub, pad_id=0, left=False):
    t = max(len(s) for s in sub)
    ids = torch.full((len(sub), t), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sub), t), dtype=torch.long)
    for b, s in enumerate(sub):
        row = torch.tensor(s, dtype=torch.long)
        if left:
            ids[b, t - len(s):] = row
            mask[b, t - len(s):] = 1
        else:
            ids[b, :len(s)] = row
            mask[b, :len(s)] = 1
    return ids, mask, any(len(s) < t for s in sub)


def post_process(logits, sub, top_k):
    """Per real position: log-softmax, logprob of the next token, argmax, top-k, copied out like our Scorer."""
    total = 0.0
    for b, s in enumerate(sub):
        n = len(s) - 1
        if n <= 0:
            continue
        lp = torch.log_softmax(logits[b, :n], dim=-1)
        tgt = torch.tensor(s[1:], dtype=torch.long).unsqueeze(1)
        tok = lp.gather(1, tgt).squeeze(1)
        am = lp.argmax(-1)
        tok_list = tok.tolist()
        total += sum(tok_list)
        _ = am.tolist()
        if top_k > 0:
            v, i = lp.topk(top_k, dim=-1)
            _ = v.tolist(), i.tolist()
    return total


def score(model, seqs, top_k, budget, mode="score", input_order=False, unpadded=False):
    vocab = model.config.vocab_size
    subs = [[s] for s in seqs] if unpadded else split_like_scorer(seqs, vocab, budget, input_order)
    body = model.base_model
    total = 0.0
    forward_s = post_s = 0.0
    for sub in subs:
        ids, mask, pad = padded(sub)
        kwargs = dict(input_ids=ids, attention_mask=mask if pad else None, use_cache=False)
        if mode == "body":
            body(**kwargs)
            continue
        t0 = time.perf_counter()
        logits = model(**kwargs).logits
        t1 = time.perf_counter()
        if mode in ("score", "split"):
            total += post_process(logits, sub, top_k)
        forward_s += t1 - t0
        post_s += time.perf_counter() - t1
        del logits
    return {"forward_s": forward_s, "post_s": post_s} if mode == "split" else total


def classify(model, seqs, budget):
    """The label logits of every prompt (input order), over the same sub-batches as score."""
    pad_id = model.config.pad_token_id
    out = {}
    for sub in split_like_scorer(seqs, model.config.vocab_size, budget):
        ids, mask, pad = padded(sub, pad_id)
        logits = model(input_ids=ids, attention_mask=mask if pad else None, use_cache=False).logits
        for s, row in zip(sub, logits.tolist()):
            out[id(s)] = row
    return [out[id(s)] for s in seqs]


class StepClock(BaseStreamer):
    """generate() hands a streamer the prompt first, then each step's new tokens: the time of every step."""

    def __init__(self):
        self.calls = []

    def put(self, value):
        self.calls.append(time.perf_counter())

    def end(self):
        pass

    def steps(self):
        return self.calls[1:]


def generate(model, seqs, new_tokens, pad_id=0, streamer=None):
    ids, mask, _ = padded(seqs, pad_id, left=True)
    gc = GenerationConfig(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                          eos_token_id=None, pad_token_id=pad_id, use_cache=True)
    out = model.generate(input_ids=ids, attention_mask=mask, generation_config=gc, streamer=streamer)
    if out.shape[1] != ids.shape[1] + new_tokens:
        raise RuntimeError(f"generate returned {out.shape[1] - ids.shape[1]} new tokens, wanted {new_tokens}")
    return out[:, ids.shape[1]:].tolist()


def timed(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    times, value = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return times, value


def build_summary(show):
    """CPU capability and the BLAS / threading settings of the torch build."""
    out = {}
    for ln in show.splitlines():
        ln = ln.strip().lstrip("- ")
        if ln.startswith("CPU capability usage:"):
            out["cpu_capability"] = ln.split(":", 1)[1].strip()
        elif ln.startswith("Build settings:"):
            for kv in ln.split(":", 1)[1].split(", "):
                k, _, v = kv.strip().rstrip(",").partition("=")
                if k in ("BLAS_INFO", "USE_MKLDNN", "USE_OPENMP", "TORCH_VERSION"):
                    out[k] = v
    return out


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


COMMANDS = ("info", "threads", "matmul", "gemm", "gelu", "attention", "tinyop", "load", "run", "serve")


class Server:
    def __init__(self):
        self.model = None
        self.model_dir = None

    def info(self, req):
        return {
            "versions": {"python": platform.python_version(), "torch": torch.__version__,
                         "transformers": transformers.__version__},
            "threads": {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()},
            "build": build_summary(torch.__config__.show()),
            "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if os.environ.get(k)},
        }

    def threads(self, req):
        torch.set_num_threads(int(req["intra_op"]))
        try:
            torch.set_num_interop_threads(int(req.get("inter_op", 1)))
        except RuntimeError as e:  # only allowed before any inter-op work
            log(f"set_num_interop_threads: {e}")
        return self.info(req)["threads"]

    def matmul(self, req):
        n = int(req.get("n", 2048))
        a, b = torch.randn(n, n), torch.randn(n, n)
        times, _ = timed(lambda: torch.matmul(a, b), int(req.get("reps", 10)), int(req.get("warmup", 3)))
        med = statistics.median(times)
        return {"n": n, "times_s": times, "median_s": med, "gflops": 2 * n ** 3 / med / 1e9}

    def gemm(self, req):
        m, k, n = int(req["m"]), int(req["k"]), int(req["n"])
        x, w = torch.randn(m, k), torch.randn(n, k)
        times, _ = timed(lambda: torch.nn.functional.linear(x, w), int(req.get("reps", 5)), int(req.get("warmup", 2)))
        med = statistics.median(times)
        return {"m": m, "k": k, "n": n, "times_s": times, "median_s": med, "gflops": 2 * m * k * n / med / 1e9}

    def gelu(self, req):
        """torch's one-kernel tanh GELU, and transformers' NewGELUActivation (what GPT-2's gelu_new runs)."""
        from transformers.activations import ACT2FN
        x = torch.randn(int(req["rows"]), int(req["cols"]))
        reps = int(req.get("reps", 10))
        kernel, _ = timed(lambda: torch.nn.functional.gelu(x, approximate="tanh"), reps, 2)
        act = ACT2FN["gelu_new"]
        hf, _ = timed(lambda: act(x), reps, 2)
        return {"median_s": statistics.median(kernel), "transformers_gelu_new_s": statistics.median(hf),
                "transformers_gelu_new_class": type(act).__name__}

    def attention(self, req):
        """One layer's attention core on a right-padded batch: the eager op sequence vs F.scaled_dot_product_attention."""
        b, h, t, d = int(req["b"]), int(req["h"]), int(req["t"]), int(req["d"])
        lens = torch.tensor(req["lens"])
        q, k, v = torch.randn(b, h, t, d), torch.randn(b, h, t, d), torch.randn(b, h, t, d)
        allowed = torch.ones(t, t, dtype=torch.bool).tril()[None, None] & (torch.arange(t)[None, :] < lens[:, None])[:, None, None, :]
        additive = torch.where(allowed, 0.0, torch.finfo(torch.float32).min)
        scale = d ** -0.5

        def eager():
            s = torch.matmul(q * scale, k.transpose(-1, -2))
            s += additive
            return torch.matmul(torch.softmax(s, -1), v)
        reps = int(req.get("reps", 5))
        e, _ = timed(eager, reps, 1)
        sd, _ = timed(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=allowed), reps, 1)
        return {"eager_s": statistics.median(e), "sdpa_s": statistics.median(sd)}

    def tinyop(self, req):
        """Seconds per call of an in-place add on 1-element tensors (the per-op cost of eager PyTorch from Python)."""
        calls = int(req.get("calls", 20000))
        x, y = torch.zeros(1), torch.ones(1)

        def loop():
            for _ in range(calls):
                x.add_(y)
        times, _ = timed(loop, 5, 1)
        return {"seconds_per_op": statistics.median(times) / calls}

    def load(self, req):
        self.model = None
        t0 = time.perf_counter()
        attn = req.get("attn", "sdpa")
        auto = AutoModelForSequenceClassification if req.get("head") == "classify" else AutoModelForCausalLM
        m = auto.from_pretrained(req["dir"], dtype=torch.float32, attn_implementation=attn)
        m.eval()
        self.model, self.model_dir = m, req["dir"]
        return {"load_s": time.perf_counter() - t0, "attn": m.config._attn_implementation,
                "params": sum(p.numel() for p in m.parameters())}

    def run(self, req):
        if self.model is None:
            raise RuntimeError("no model loaded")
        w = req["workload"]
        kind, seqs = w["kind"], w["seqs"]
        top_k, new_tokens, budget = int(req.get("top_k", 5)), int(req.get("new_tokens", 32)), int(req["budget"])
        if kind == "score":
            fn = (lambda: score(self.model, seqs, top_k, budget, mode=w.get("mode", "score"),
                                input_order=bool(w.get("input_order")), unpadded=bool(w.get("unpadded"))))
        elif kind == "generate":
            fn = (lambda: generate(self.model, seqs, new_tokens))
        elif kind == "classify":
            fn = (lambda: classify(self.model, seqs, budget))
        else:
            raise ValueError(f"unknown workload kind {kind!r}")
        times, value = timed(fn, int(req.get("reps", 1)), int(req.get("warmup", 0)))
        return {"times_s": times, "check": value}

    def serve(self, req):
        """Batched generate as a serving baseline: consecutive batches, every step clocked."""
        if self.model is None:
            raise RuntimeError("no model loaded")
        seqs, new_tokens = req["seqs"], int(req["new_tokens"])
        batch = int(req.get("batch", 0)) or len(seqs)
        ttft, tpot, tokens = [], [], []
        start = time.perf_counter()
        for i in range(0, len(seqs), batch):
            clock = StepClock()
            tokens += generate(self.model, seqs[i:i + batch], new_tokens, streamer=clock)
            steps = clock.steps()
            first = steps[0] - start
            per_token = (steps[-1] - steps[0]) / (len(steps) - 1) if len(steps) > 1 else float("nan")
            ttft += [first] * len(seqs[i:i + batch])
            tpot += [per_token] * len(seqs[i:i + batch])
        return {"wall_s": time.perf_counter() - start, "ttft_s": ttft, "tpot_s": tpot, "tokens": tokens,
                "batch": batch}

    def handle(self, req):
        cmd = req.get("cmd")
        if cmd == "quit":
            return None
        fn = getattr(self, cmd, None) if cmd in COMMANDS else None
        if fn is None:
            raise ValueError(f"unknown cmd {cmd!r}")
        with torch.inference_mode():
            return fn(req)


def main():
    server = Server()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            resp = server.handle(req)
            if resp is None:
                _PROTO.write(json.dumps({"ok": True, "cpu_s": cpu_seconds()}) + "\n")
                break
            resp["ok"] = True
        except Exception as e:  # reported to the Java side, which fails the run with this message
            traceback.print_exc(file=sys.stderr)
            resp = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        resp["cpu_s"] = cpu_seconds()
        _PROTO.write(json.dumps(resp) + "\n")
        _PROTO.flush()


if __name__ == "__main__":
    main()
