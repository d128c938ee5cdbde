#!/usr/bin/env python3
"""Creates the benchmark checkpoints: ~100M-parameter causal LMs with random weights (fp32 safetensors).

  gpt2-124m       GPT-2 small shape: n_embd 768, 12 layers, 12 heads, vocab 50257, context 1024 (124.4M params)
  qwen2-98m       Qwen2-0.5B shape scaled to ~100M incl. the tied 151936 x 512 embedding: hidden 512,
                  intermediate 2816, 8 heads (head_dim 64), 2 KV heads, 4 layers (97.8M params)
  glm-101m        transformers' GlmForCausalLM (GLM-4-9B's layout: partial rotary on half of each 64-wide head,
                  interleaved pairs, q/k/v bias, fused gate/up MLP, untied lm_head, 2 KV heads) at ~100M:
                  hidden 512, intermediate 2816, 8 heads, 10 layers, the GPT-2 tokenizer of fixtures/tiny-glm
                  (vocab 50264 with GLM's special tokens) (101.3M params)
  qwen2-98m-cls   qwen2-98m's shape as Qwen2ForSequenceClassification (3 labels, score head, pad id 151643; no LM
                  head, so the bench runs CLASSIFY workloads on it instead of score / generate) (97.7M params)
  gpt2-overhead   GPT-2 small's 12 layers at n_embd 64: compute is negligible, so a decode step measures
                  the per-op framework overhead (Python/HF vs JNI/DJL) (3.3M params)

Each checkpoint gets the real tokenizer of its family copied from fixtures/ (the engine loads tokenizer.json).
A folder whose bench-spec.json matches the spec is kept as is (creation takes ~10 s per model).
Usage: make_models.py --out DIR [--models gpt2-124m qwen2-98m ...] ; prints one JSON line per model.
"""
import argparse
import json
import os
import shutil
import sys

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification, GenerationConfig

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(ROOT, "fixtures", "models")

SPECS = {
    "gpt2-124m": {
        "tokenizer_from": "tiny-gpt2",
        "config": dict(model_type="gpt2", vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12,
                       activation_function="gelu_new", bos_token_id=50256, eos_token_id=50256,
                       tie_word_embeddings=True),
        "gen": dict(bos_token_id=50256, eos_token_id=50256),
    },
    "qwen2-98m": {
        "tokenizer_from": "tiny-qwen2",
        "config": dict(model_type="qwen2", vocab_size=151936, hidden_size=512, intermediate_size=2816,
                       num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2,
                       max_position_embeddings=4096, rope_theta=1000000.0, rms_norm_eps=1e-6,
                       hidden_act="silu", tie_word_embeddings=True, use_sliding_window=False,
                       bos_token_id=151643, eos_token_id=151645),
        "gen": dict(bos_token_id=151643, eos_token_id=151645),
    },
    "glm-101m": {
        "tokenizer_from": "tiny-glm",
        "config": dict(model_type="glm", vocab_size=50264, hidden_size=512, intermediate_size=2816,
                       num_hidden_layers=10, num_attention_heads=8, num_key_value_heads=2, head_dim=64,
                       max_position_embeddings=4096, rms_norm_eps=1.5625e-07, hidden_act="silu",
                       attention_bias=True, tie_word_embeddings=False,
                       rope_parameters=dict(rope_type="default", rope_theta=10000.0, partial_rotary_factor=0.5),
                       pad_token_id=50256, eos_token_id=50256),
        "gen": dict(eos_token_id=50256, pad_token_id=50256),
    },
    "qwen2-98m-cls": {
        "tokenizer_from": "tiny-qwen2",
        "head": "classify",
        "config": dict(model_type="qwen2", vocab_size=151936, hidden_size=512, intermediate_size=2816,
                       num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2,
                       max_position_embeddings=4096, rope_theta=1000000.0, rms_norm_eps=1e-6,
                       hidden_act="silu", tie_word_embeddings=True, use_sliding_window=False,
                       bos_token_id=151643, eos_token_id=151645, pad_token_id=151643,
                       architectures=["Qwen2ForSequenceClassification"],
                       id2label={"0": "negative", "1": "neutral", "2": "positive"},
                       label2id={"negative": 0, "neutral": 1, "positive": 2}),
        "gen": dict(bos_token_id=151643, eos_token_id=151645),
    },
    "gpt2-overhead": {
        "tokenizer_from": "tiny-gpt2",
        "config": dict(model_type="gpt2", vocab_size=50257, n_positions=1024, n_embd=64, n_layer=12, n_head=2,
                       activation_function="gelu_new", bos_token_id=50256, eos_token_id=50256,
                       tie_word_embeddings=True),
        "gen": dict(bos_token_id=50256, eos_token_id=50256),
    },
}
SEED = 1234
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def make(name, out_dir):
    spec = SPECS[name]
    target = os.path.join(out_dir, name)
    marker = os.path.join(target, "bench-spec.json")
    want = {"name": name, "seed": SEED, "format": 2, **spec}
    if os.path.exists(marker) and os.path.exists(os.path.join(target, "model.safetensors")):
        with open(marker, encoding="utf-8") as f:
            if json.load(f) == want:
                return target, False
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    torch.manual_seed(SEED)
    cfg = dict(spec["config"])
    model_type = cfg.pop("model_type")
    config = AutoConfig.for_model(model_type, **cfg)
    auto = AutoModelForSequenceClassification if spec.get("head") == "classify" else AutoModelForCausalLM
    model = auto.from_config(config, dtype=torch.float32)
    model.save_pretrained(target, safe_serialization=True)
    GenerationConfig(**spec["gen"]).save_pretrained(target)
    src = os.path.join(FIXTURES, spec["tokenizer_from"])
    for f in TOKENIZER_FILES:
        p = os.path.join(src, f)
        if os.path.exists(p):
            shutil.copyfile(os.path.realpath(p), os.path.join(target, f))
    tc_path = os.path.join(target, "tokenizer_config.json")
    with open(tc_path, encoding="utf-8") as f:
        tc = json.load(f)
    tc["model_max_length"] = config.max_position_embeddings if model_type != "gpt2" else config.n_positions
    with open(tc_path, "w", encoding="utf-8") as f:
        json.dump(tc, f, indent=2, ensure_ascii=False)
    with open(marker, "w", encoding="utf-8") as f:
        json.dump(want, f, indent=2)
    return target, True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", nargs="*", default=list(SPECS))
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in args.models:
        if name not in SPECS:
            sys.exit(f"unknown bench model {name!r} (known: {', '.join(SPECS)})")
        path, created = make(name, args.out)
        print(json.dumps({"model": name, "dir": path, "created": created}), flush=True)


if __name__ == "__main__":
    main()
