"""lm-evaluation-harness 0.4.13 on a small local multiple-choice task, twice: through the gateway
(local-completions) and with its hf backend on the same checkpoint.

Usage: python lm_eval_check.py COMPLETIONS_URL MODEL_NAME CHECKPOINT_DIR TASK_DIR
Prints one JSON object: per backend, the accuracy and per document the candidates' loglikelihoods
and is_greedy flags.
"""
import json
import logging
import sys


def run(model, model_args, task_dir, batch_size):
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    results = simple_evaluate(model=model, model_args=model_args, tasks=["logitstream_gateway_mc"],
                              task_manager=TaskManager(include_path=task_dir, include_defaults=False),
                              batch_size=batch_size, device="cpu", log_samples=True, bootstrap_iters=0,
                              num_fewshot=0)
    samples = sorted(results["samples"]["logitstream_gateway_mc"], key=lambda s: s["doc_id"])
    return {
        "acc": results["results"]["logitstream_gateway_mc"]["acc,none"],
        "items": [{"doc_id": s["doc_id"],
                   "loglikelihoods": [float(r[0]) for r in s["filtered_resps"]],
                   "is_greedy": [bool(r[1]) for r in s["filtered_resps"]]} for s in samples],
    }


def main():
    url, name, checkpoint, task_dir = sys.argv[1:5]
    logging.disable(logging.WARNING)
    gateway = run("local-completions",
                  f"model={name},base_url={url},tokenizer={checkpoint},tokenizer_backend=huggingface,"
                  "tokenized_requests=True,num_concurrent=2,max_retries=1,timeout=120",
                  task_dir, 4)
    hf = run("hf", f"pretrained={checkpoint},dtype=float32", task_dir, 1)
    print(json.dumps({"gateway": gateway, "hf": hf}))


if __name__ == "__main__":
    main()
