"""Train a word-level LSTM language model with pyt on text that ships with Python.

The corpus is English prose from the standard library itself: the Zen of Python (the
`this` module, ROT13-decoded) and the docstrings of a few dozen stdlib modules and their
functions and classes. Words are lower-cased; the most frequent ones form the
vocabulary, the rest become <unk>, and every docstring paragraph ends with <eos>.
The model (Embedding -> LSTM -> Linear) is trained with truncated backpropagation
through time, plain SGD with gradient clipping and a learning rate that drops when the
validation perplexity stops improving -- written exactly as PyTorch code: only the
imports name pyt instead of torch.

    python examples/word_language_model.py                  # well under a minute
    python examples/word_language_model.py --epochs 10 --hidden 256 --layers 2 --vocab 5000
    python examples/word_language_model.py --device cuda    # the same training on a GPU
"""
import argparse
import codecs
import collections
import importlib
import inspect
import math
import re
import time

import pyt as torch
import pyt.nn.functional as F
from pyt import nn

MODULES = ["this", "collections", "itertools", "functools", "os", "re", "string", "json",
           "inspect", "argparse", "logging", "textwrap", "datetime", "decimal", "fractions",
           "statistics", "random", "pathlib", "shutil", "subprocess", "threading", "queue",
           "asyncio", "socket", "email", "http.client", "urllib.request", "unittest",
           "doctest", "pickle", "copy", "heapq", "bisect", "difflib", "csv", "zipfile",
           "tarfile", "gzip", "hashlib", "typing", "dataclasses", "enum", "contextlib", "abc",
           "io", "tempfile", "glob", "fnmatch", "calendar", "locale", "gettext", "optparse",
           "configparser", "pprint", "reprlib", "sched", "smtplib", "imaplib", "ftplib",
           "xml.dom.minidom", "html.parser", "codecs", "unicodedata", "tokenize", "ast",
           "dis", "pdb", "trace", "timeit", "cProfile", "warnings", "traceback", "types"]


def _zen_rot13():
    """The string `this` keeps the Zen in, read from its source (importing it prints)."""
    import ast
    import importlib.util
    with open(importlib.util.find_spec("this").origin, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "s":
            return node.value.value
    return ""


def stdlib_text():
    """Docstrings (and the Zen of Python) as paragraphs of plain text."""
    paragraphs = codecs.decode(_zen_rot13(), "rot13").split("\n")
    for name in MODULES[1:]:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        objects = [module] + [obj for _, obj in sorted(vars(module).items())
                              if (inspect.isfunction(obj) or inspect.isclass(obj))
                              and getattr(obj, "__module__", None) == module.__name__]
        for obj in objects:
            doc = inspect.getdoc(obj) or ""
            paragraphs.extend(doc.split("\n\n"))
    return [p for p in paragraphs if p.strip()]


def tokenize(paragraph):
    return re.findall(r"[a-z]+(?:'[a-z]+)?|[0-9]+|[.,;:()]", paragraph.lower()) + ["<eos>"]


class Corpus:
    """Token ids of the train and validation text over a most-frequent-words vocabulary."""

    def __init__(self, paragraphs, vocab_size, max_tokens=None, valid_fraction=0.1):
        tokens = [t for p in paragraphs for t in tokenize(p)]
        if max_tokens:
            tokens = tokens[:max_tokens]
        counts = collections.Counter(tokens)
        self.words = ["<unk>"] + [w for w, _ in counts.most_common(vocab_size - 1)]
        index = {w: i for i, w in enumerate(self.words)}
        ids = torch.tensor([index.get(t, 0) for t in tokens], dtype=torch.int64)
        split = int(len(ids) * (1 - valid_fraction))
        self.train, self.valid = ids[:split], ids[split:]
        self.unknown = sum(1 for t in tokens if t not in index) / max(len(tokens), 1)


def batchify(ids, batch_size):
    """(tokens,) -> (steps, batch): batch_size parallel streams of consecutive text."""
    steps = len(ids) // batch_size
    return ids[:steps * batch_size].reshape(batch_size, steps).t().contiguous()


class WordLM(nn.Module):
    def __init__(self, vocab, embed, hidden, layers, dropout):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, layers, dropout=dropout if layers > 1 else 0.0)
        self.decoder = nn.Linear(hidden, vocab)
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, tokens, state=None):
        output, state = self.lstm(self.drop(self.embed(tokens)), state)
        return self.decoder(self.drop(output)), state


def detach(state):
    """Cut the graph between chunks (truncated BPTT) but keep the state's values."""
    return tuple(s.detach() for s in state)


def evaluate(model, data, bptt, vocab):
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for start in range(0, data.size(0) - 1, bptt):
            n = min(bptt, data.size(0) - 1 - start)
            logits, state = model(data[start:start + n], state)
            loss = F.cross_entropy(logits.reshape(-1, vocab), data[start + 1:start + 1 + n]
                                   .reshape(-1), reduction="sum")
            total += loss.item()
            count += data[start + 1:start + 1 + n].numel()
    return math.exp(total / max(count, 1))


def train_epoch(model, data, bptt, vocab, lr, clip, log_every, epoch):
    model.train()
    state, total, count, began = None, 0.0, 0, time.time()
    batches = (data.size(0) - 1 + bptt - 1) // bptt
    for batch, start in enumerate(range(0, data.size(0) - 1, bptt), 1):
        n = min(bptt, data.size(0) - 1 - start)
        inputs, targets = data[start:start + n], data[start + 1:start + 1 + n]
        state = detach(state) if state is not None else None
        logits, state = model(inputs, state)
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        model.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)
        total += loss.item() * targets.numel()
        count += targets.numel()
        if log_every and batch % log_every == 0:
            ms = (time.time() - began) * 1000 / batch
            print(f"  epoch {epoch:2d} | batch {batch:4d}/{batches} | lr {lr:5.2f} | "
                  f"{ms:6.1f} ms/batch | train ppl {math.exp(total / count):8.2f}", flush=True)
    return math.exp(total / max(count, 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=2000, help="vocabulary size")
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--bptt", type=int, default=35, help="truncated BPTT length")
    parser.add_argument("--lr", type=float, default=20.0)
    parser.add_argument("--clip", type=float, default=0.25, help="gradient norm clip")
    parser.add_argument("--max-tokens", type=int, default=100_000,
                        help="corpus size cap (0: all of it)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="pyt threads (0: default)")
    parser.add_argument("--tiny", action="store_true", help="a seconds-long smoke run")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args()
    if args.tiny:
        args.epochs, args.vocab, args.embed, args.hidden = 4, 300, 32, 32
        args.max_tokens, args.dropout, args.bptt = 12_000, 0.0, 20
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    corpus = Corpus(stdlib_text(), args.vocab, args.max_tokens or None)
    vocab = len(corpus.words)
    train, valid = batchify(corpus.train, args.batch), batchify(corpus.valid, 10)
    train, valid = train.to(args.device), valid.to(args.device)
    print(f"corpus: {len(corpus.train)} train / {len(corpus.valid)} validation tokens, "
          f"vocabulary {vocab} ({corpus.unknown:.1%} of tokens <unk>)")
    model = WordLM(vocab, args.embed, args.hidden, args.layers, args.dropout).to(args.device)
    print(model, "on", args.device)
    lr, best = args.lr, float("inf")
    log_every = max(1, (train.size(0) // args.bptt) // 4)
    for epoch in range(1, args.epochs + 1):
        began = time.time()
        train_ppl = train_epoch(model, train, args.bptt, vocab, lr, args.clip, log_every,
                                epoch)
        valid_ppl = evaluate(model, valid, args.bptt, vocab)
        print(f"epoch {epoch:2d} | {time.time() - began:5.1f} s | train ppl {train_ppl:8.2f} | "
              f"valid ppl {valid_ppl:8.2f}", flush=True)
        if valid_ppl < best:
            best = valid_ppl
        else:
            lr /= 4.0                 # annealing: smaller steps once validation stalls
    print(f"best validation perplexity {best:.2f} (a uniform guess scores {vocab})")


if __name__ == "__main__":
    main()
