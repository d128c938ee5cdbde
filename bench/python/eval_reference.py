#!/usr/bin/env python3
"""The reference sides of `logitstream bench eval`: lm-evaluation-harness's own `hf` backend and plain
transformers, on the same checkpoint and the same evaluation-shaped items as our CHOICE requests.

Driven by the Java command over the same line protocol as hf_bench.py: one JSON request per line on
stdin, one JSON response per line on stdout (everything else goes to stderr).

Requests ("cmd"):
  info                         versions (torch, transformers, lm_eval, datasets), threads
  threads intra_op inter_op    torch.set_num_threads / set_num_interop_threads
  load    dir                  the checkpoint for the transformers side (AutoModelForCausalLM, fp32) and its tokenizer
  lm_eval dir data task task_dir batch_size
          writes a local lm-eval task (YAML: dataset_path json + data_files, output_type multiple_choice,
          doc_to_text context, doc_to_choice choices, doc_to_target gold, target_delimiter "" since the
          candidates carry their leading space) and runs lm_eval.simple_evaluate on HFLM(pretrained=dir,
          dtype=float32) with log_samples=True. HFLM is created once per checkpoint; the batch size is set per run.
          -> wall_s (simple_evaluate), loglikelihood_s (HFLM.loglikelihood alone: the time the ratios use),
             acc, and per item: loglikelihoods (one per candidate)
  score   items warmup
          plain transformers: every (context + candidate) from scratch, one forward per candidate, fp32,
          inference_mode; the pair is tokenized the way lm-eval's hf backend does (trailing whitespace of the
          context moved to the candidate, context + candidate encoded together and split at the context's length).
          -> wall_s, and per item: loglikelihoods, context_ids, candidate_ids (the split, to compare with ours)
  quit

Run by hand (for debugging): echo '{"cmd":"info"}' | .venv/bin/python bench/python/eval_reference.py
"""
import json
import os
import platform
import resource
import sys
import time
import traceback

# The protocol owns the real stdout; anything printed by libraries goes to stderr.
_PROTO = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

transformers.logging.set_verbosity_error()


def log(msg):
    print(f"[eval] {msg}", file=sys.stderr, flush=True)


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def lm_eval_split(tokenizer, context, continuation):
    """lm-eval's HFLM._encode_pair for a causal model: trailing whitespace of the context goes to the
    continuation, the whole pair is encoded and split at the context's token count."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces > 0:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tokenizer.encode(context + continuation)
    ctx = tokenizer.encode(context)
    return ctx, whole[len(ctx):]


TASK_YAML = """task: {task}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: context
doc_to_choice: choices
doc_to_target: gold
target_delimiter: ""
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
"""


class Server:
    def __init__(self):
        self.model = None
        self.tokenizer = None
        self.lm = None
        self.lm_dir = None

    def info(self, req):
        versions = {"python": platform.python_version(), "torch": torch.__version__,
                    "transformers": transformers.__version__}
        for name in ("lm_eval", "datasets", "accelerate"):
            try:
                versions[name] = __import__(name).__version__
            except Exception as e:  # reported, not fatal: the run says which side is missing
                versions[name] = f"missing ({type(e).__name__}: {e})"
        return {"versions": versions,
                "threads": {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}}

    def threads(self, req):
        torch.set_num_threads(int(req["intra_op"]))
        try:
            torch.set_num_interop_threads(int(req.get("inter_op", 1)))
        except RuntimeError as e:  # only allowed before any inter-op work
            log(f"set_num_interop_threads: {e}")
        return self.info(req)["threads"]

    def load(self, req):
        t0 = time.perf_counter()
        self.model = AutoModelForCausalLM.from_pretrained(req["dir"], dtype=torch.float32).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(req["dir"])
        return {"load_s": time.perf_counter() - t0, "attn": getattr(self.model.config, "_attn_implementation", None)}

    def score(self, req):
        items = req["items"]
        for item in items[: int(req.get("warmup", 0))]:
            self._score_item(item)
        t0 = time.perf_counter()
        out = [self._score_item(item) for item in items]
        return {"wall_s": time.perf_counter() - t0, "items": out}

    def _score_item(self, item):
        lls, ctx_ids, cand_ids = [], None, []
        with torch.inference_mode():
            for cand in item["choices"]:
                ctx, cont = lm_eval_split(self.tokenizer, item["context"], cand)
                ids = torch.tensor([ctx + cont], dtype=torch.long)
                logits = self.model(ids).logits[0, len(ctx) - 1:-1]
                lp = torch.log_softmax(logits.float(), dim=-1)
                lls.append(float(lp.gather(1, torch.tensor(cont).unsqueeze(1)).sum()))
                ctx_ids = ctx if ctx_ids is None else ctx_ids
                cand_ids.append(cont)
        return {"loglikelihoods": lls, "context_ids": ctx_ids, "candidate_ids": cand_ids}

    def lm_eval(self, req):
        from lm_eval import simple_evaluate
        from lm_eval.models.huggingface import HFLM
        from lm_eval.tasks import TaskManager

        if self.lm is None or self.lm_dir != req["dir"]:
            t0 = time.perf_counter()
            # what model='hf', model_args='pretrained=<dir>,dtype=float32' builds
            self.lm = HFLM(pretrained=req["dir"], dtype="float32", batch_size=1, device="cpu")
            self.lm_dir = req["dir"]
            log(f"HFLM loaded in {time.perf_counter() - t0:.1f} s")
        lm = self.lm
        lm.batch_size_per_gpu = int(req["batch_size"])
        os.makedirs(req["task_dir"], exist_ok=True)
        with open(os.path.join(req["task_dir"], req["task"] + ".yaml"), "w") as f:
            f.write(TASK_YAML.format(task=req["task"], data=req["data"]))

        timed = {"s": 0.0, "requests": 0}
        original = type(lm).loglikelihood

        def loglikelihood(requests, *args, **kwargs):
            t = time.perf_counter()
            try:
                return original(lm, requests, *args, **kwargs)
            finally:
                timed["s"] += time.perf_counter() - t
                timed["requests"] += len(requests)

        lm.loglikelihood = loglikelihood
        try:
            t0 = time.perf_counter()
            results = simple_evaluate(model=lm, tasks=[req["task"]],
                                      task_manager=TaskManager(include_path=req["task_dir"], include_defaults=False),
                                      log_samples=True, bootstrap_iters=0, num_fewshot=0)
            wall = time.perf_counter() - t0
        finally:
            del lm.loglikelihood
        samples = sorted(results["samples"][req["task"]], key=lambda s: s["doc_id"])
        items = []
        for s in samples:
            # filtered_resps: one (loglikelihood, is_greedy) per candidate
            items.append({"doc_id": s["doc_id"], "loglikelihoods": [float(r[0]) for r in s["filtered_resps"]]})
        task_results = results["results"][req["task"]]
        return {"wall_s": wall, "loglikelihood_s": timed["s"], "requests": timed["requests"],
                "acc": task_results.get("acc,none"), "batch_size": lm.batch_size, "items": items}


COMMANDS = ("info", "threads", "load", "score", "lm_eval")


def main():
    server = Server()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "quit":
                _PROTO.write(json.dumps({"ok": True, "cpu_s": cpu_seconds()}) + "\n")
                break
            if cmd not in COMMANDS:
                raise ValueError(f"unknown command {cmd!r}")
            resp = getattr(server, cmd)(req)
            resp["ok"] = True
        except Exception as e:  # reported to the Java side, which fails the run with this message
            traceback.print_exc(file=sys.stderr)
            resp = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        resp["cpu_s"] = cpu_seconds()
        _PROTO.write(json.dumps(resp) + "\n")
        _PROTO.flush()


if __name__ == "__main__":
    main()
