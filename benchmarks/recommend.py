"""For you, measured: ranking quality on real digests, and speed and memory at 100k papers.

    python benchmarks/recommend.py quality [--seeds 20] [--alternatives] [--json]
    python benchmarks/recommend.py speed --data-dir DIR [--json]

quality: imports every real digest in ../shared/digests/real and real2 into a temp library.
The papers whose digest carries arXiv categories (listing mails, API Atom, OAI-PMH, …) stand in
for readers: for each category with at least 20 papers, a reader who kept 5 of them (drawn
`--seeds` times). Every other paper of the library is ranked; a paper is relevant when it is
listed in the category. Reported per category and averaged over categories:
- precision@10 over the papers whose category is known ("judged": a paper without categories
  can be neither right nor wrong) and strictly (unjudged papers count as misses);
- recall@50: relevant papers in the first 50 over all relevant papers (at most 50/n for n
  relevant papers, so small for large categories);
for For you, newest-first, random order and arxiv-sanity's method (TF-IDF of unigrams and
bigrams, sublinear tf, then a linear SVM with balanced class weights, C = 0.01, kept = +1, the
rest = −1): implemented here in numpy; with scikit-learn installed its LinearSVC is run too,
as a check of the numpy one. Target: For you ≥ 0.8 judged precision@10 and ≥ the SVM.
Every average is also given over the even seeds (where choices are made) and the odd ones
(held out). --alternatives adds the ideas measured against For you (LSA, label spreading, hub
correction, the SVM on For you's vectors, character n-grams blended in, with and without the hub
correction) and the ceiling: what rankers reach on half the categorised papers learning from the
other half, either from every label of it (kernel ridge) or from all its papers of the category
as kept ones (For you, the SVM).

speed: on an imported library (e.g. /work/corpora/100k imported with `paperterm import`):
building the vectors, loading them, the top 50 with reasons, all papers in For you order, related papers for one paper,
updating the taste after one bookmark, vectorising and saving a 200-paper import, and the RSS
the vectors add. Times are CPU time of this process (the machine is shared and the work
single-threaded); the import is also given as wall time, fsyncs included. Targets at 100k:
rank ≤ 200 ms, related ≤ 20 ms, update ≤ 50 ms, 200-paper import ≤ 1 s, ≤ 300 MB added RSS.
"""

from __future__ import annotations

import os

# One BLAS thread: the SVM's small products gain nothing from threads and lose much on a shared machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import itertools
import json
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from array import array
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from paperterm.library import Library, _newest_first
from paperterm.paper import Paper
from paperterm.recommend import PaperVectors, Taste, order, rank

REPO = Path(__file__).resolve().parent.parent
REAL = [REPO.parent / "shared" / "digests" / "real", REPO.parent / "shared" / "digests" / "real2"]
MIN_CATEGORY = 20
KEPT = 5


# -- quality ---------------------------------------------------------------------


def real_library(folder: Path) -> Library:
    library = Library(folder)
    library.load()
    library.import_paths([str(p) for p in REAL if p.exists()])
    return library


# arXiv categories as the formats write them: `cs.LG`, `astro-ph.GA`, `hep-th`, and inside DataCite
# subjects as `Machine Learning (cs.LG)`; words such as `Computer` or `FOS:` are not categories.
_CATEGORY = re.compile(
    r"(?<![\w.-])(?:astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|physics"
    r"|quant-ph|math|cs|q-bio|q-fin|stat|eess|econ)(?:\.[A-Za-z-]+)?(?![\w.-])"
)


def categories_of(paper: Paper) -> set[str]:
    raw = paper.extra.get("categories") if paper.extra else None
    return set(_CATEGORY.findall(str(raw))) if raw else set()


# arxiv-sanity-lite's features (compute.py): TfidfVectorizer(strip_accents, lowercase, stop_words="english",
# token_pattern=[a-zA-Z_][a-zA-Z0-9_]+, ngram_range=(1, 2), max_features=20000, sublinear_tf, max_df=0.1,
# min_df=5), then svm.LinearSVC(class_weight="balanced", C=0.01) per tag (serve.py).
_SANITY_TOKEN = re.compile(r"\b[a-zA-Z_][a-zA-Z0-9_]+\b")
_ENGLISH = frozenset(
    """a about above across after afterwards again against all almost alone along already also although
    always am among amongst an and another any anyhow anyone anything anyway anywhere are around as at
    be became because become becomes been before beforehand behind being below beside besides between
    beyond both but by can cannot could de describe do done down due during each eg either else
    elsewhere enough etc even ever every everyone everything everywhere except few first for former
    formerly from further get give go had has have he hence her here hereafter hereby herein hers
    herself him himself his how however i ie if in inc indeed interest into is it its itself keep last
    latter latterly least less ltd made many may me meanwhile might more moreover most mostly move much
    must my myself namely neither never nevertheless next no nobody none noone nor not nothing now
    nowhere of off often on once one only onto or other others otherwise our ours ourselves out over
    own part per perhaps please put rather re same see seem seemed seeming seems several she should
    show side since so some somehow someone something sometime sometimes somewhere still such than that
    the their them themselves then thence there thereafter thereby therefore therein thereupon these
    they this those though through throughout thru thus to together too toward towards under until up
    upon us very via was we well were what whatever when whence whenever where whereafter whereas
    whereby wherein whereupon wherever whether which while who whoever whole whom whose why will with
    within without would yet you your yours yourself yourselves""".split()
)


def sanity_features(texts: list[str]) -> np.ndarray:
    """Dense L2-normalised TF-IDF rows, as arxiv-sanity-lite computes them (small libraries only)."""
    docs = []
    for text in texts:
        tokens = [t for t in _SANITY_TOKEN.findall(text.lower()) if t not in _ENGLISH]
        docs.append(Counter([*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]))
    n = len(docs)
    df = Counter(term for doc in docs for term in doc)
    kept = [t for t, d in df.items() if d >= 5 and d <= 0.1 * n]
    kept.sort(key=lambda t: (-sum(doc.get(t, 0) for doc in docs), t))
    vocab = {t: i for i, t in enumerate(kept[:20000])}
    idf = np.array([np.log((1 + n) / (1 + df[t])) + 1 for t in vocab], dtype=np.float32)
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    for row, doc in enumerate(docs):
        for term, tf in doc.items():
            col = vocab.get(term)
            if col is not None:
                matrix[row, col] = (1 + np.log(tf)) * idf[col]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


def char_ngram_gram(texts: list[str], top: int | None = None) -> np.ndarray:
    """Cosine similarity of every pair of texts over the character 3- to 5-grams inside words.

    As scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
    min_df=2, max_df=0.5) computes them: each lower-cased word padded with a space, a word shorter
    than n counted once whole. `top` keeps only each text's heaviest n-grams (as For you keeps its
    96 heaviest words), which is what 100k papers could afford: untruncated, a paper holds ~900.
    """
    grams: dict[str, int] = {}
    rows, cols, tfs = array("i"), array("i"), array("f")
    for row, text in enumerate(texts):
        counts: Counter[str] = Counter()
        for word in text.lower().split():
            padded = f" {word} "
            for n in range(3, 6):
                if len(padded) <= n:
                    counts[padded] += 1
                    break
                counts.update(padded[i : i + n] for i in range(len(padded) - n + 1))
        for gram, tf in counts.items():
            rows.append(row)
            cols.append(grams.setdefault(gram, len(grams)))
            tfs.append(tf)
    n = len(texts)
    row_arr, col_arr = np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)
    df = np.bincount(col_arr, minlength=len(grams))
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    weights = (1 + np.log(np.frombuffer(tfs, dtype=np.float32))) * idf[col_arr]
    keep = (df[col_arr] >= 2) & (df[col_arr] <= 0.5 * n)
    row_arr, col_arr, weights = row_arr[keep], col_arr[keep], weights[keep]
    if top is not None:
        order = np.lexsort((-weights, row_arr))
        row_arr, col_arr, weights = row_arr[order], col_arr[order], weights[order]
        starts = np.searchsorted(row_arr, np.arange(n))
        keep = np.arange(len(row_arr)) - starts[row_arr] < top
        row_arr, col_arr, weights = row_arr[keep], col_arr[keep], weights[keep]
    weights /= np.maximum(np.sqrt(np.bincount(row_arr, weights * weights, minlength=n)), 1e-12)[row_arr].astype(
        np.float32
    )
    by_gram = np.argsort(col_arr, kind="stable")
    post_rows, post_weights = row_arr[by_gram], weights[by_gram]
    post_ptr = np.zeros(len(grams) + 1, dtype=np.int64)
    np.cumsum(np.bincount(col_arr, minlength=len(grams)), out=post_ptr[1:])
    doc_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_arr, minlength=n), out=doc_ptr[1:])  # row_arr is sorted by row
    gram_matrix = np.zeros((n, n), dtype=np.float32)
    for row in range(n):
        mine = slice(doc_ptr[row], doc_ptr[row + 1])
        starts, ends = post_ptr[col_arr[mine]], post_ptr[col_arr[mine] + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        contributions = post_weights[offsets] * np.repeat(weights[mine], lengths)
        gram_matrix[row] = np.bincount(post_rows[offsets], contributions, minlength=n)
    return gram_matrix


def svm_scores(gram: np.ndarray, positives: list[int], c: float = 0.01, steps: int = 150) -> np.ndarray:
    """LinearSVC's problem (squared hinge, L2, balanced class weights, a bias feature) by Nesterov's
    accelerated gradient descent.

    Done in the span of the papers (w = Xᵀα), so one step costs a product with the n × n Gram matrix
    `gram` = X Xᵀ + 1 (the 1 is the bias feature) instead of one with the n × vocabulary features.
    """
    n = len(gram)
    y = -np.ones(n, dtype=np.float32)
    y[positives] = 1.0
    weight = np.where(y > 0, n / (2 * len(positives)), n / (2 * (n - len(positives)))).astype(np.float32)
    step = np.float32(1.0 / (1.0 + 2.0 * c * float((weight * np.diag(gram)).sum())))
    alpha = np.zeros(n, dtype=np.float32)
    ahead, ahead_scores = alpha, np.zeros(n, dtype=np.float32)
    for k in range(1, steps + 1):
        margin = np.maximum(0.0, 1 - y * ahead_scores)
        new_alpha = (1 - step) * ahead + step * 2 * c * weight * y * margin
        ahead = new_alpha + ((k - 1) / (k + 2)) * (new_alpha - alpha)
        alpha = new_alpha
        ahead_scores = gram @ ahead
    return gram @ alpha


def sklearn_svm_scores(features: np.ndarray, positives: list[int]) -> np.ndarray | None:
    try:
        from sklearn import svm
    except ImportError:
        return None
    y = np.zeros(len(features))
    y[positives] = 1
    clf = svm.LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01)
    clf.fit(features, y)
    return clf.decision_function(features)


def _metrics(order: list[int], relevant: set[int], judged: set[int]) -> tuple[float, float, float]:
    """Judged precision@10, strict precision@10, recall@50 for one ranking (kept papers excluded)."""
    judged_order = [d for d in order if d in judged]
    judged_p10 = sum(d in relevant for d in judged_order[:10]) / 10
    strict_p10 = sum(d in relevant for d in order[:10]) / 10
    recall50 = sum(d in relevant for d in order[:50]) / max(1, len(relevant))
    return judged_p10, strict_p10, recall50


# -- alternatives and the ceiling (`--alternatives`) ----------------------------------
# Ideas measured against For you on the same readers. Each one's parameters were picked on the
# even seeds (the "tune" half) from a small grid — LSA k 50-400 and blend ½-0.7, kNN graph k
# 10-40 and α 0.5-0.85, CSLS k 20-200 and share 0.15-0.35, character n-grams' share 0.3-0.5 with
# the hub share 0-0.4 — and are reported on both halves.
LSA_DIMS, LSA_SHARE = 400, 0.3
GRAPH_K, SPREAD_ALPHA = 10, 0.85
HUB_K, HUB_SHARE = 20, 0.25
CHAR_SHARE, CHAR_TOP = 0.3, 192


def library_gram(vectors: PaperVectors) -> np.ndarray:
    """Cosine similarity of every pair of papers (small libraries only: n × n float32)."""
    return np.stack([vectors.similar_to(doc) for doc in range(len(vectors))])


def hubness(gram: np.ndarray) -> np.ndarray:
    """Each paper's mean similarity to its `HUB_K` nearest other papers (how alike it is to everything)."""
    others = gram.copy()
    np.fill_diagonal(others, 0.0)
    return -np.sort(-others, axis=1)[:, :HUB_K].mean(axis=1)


def alternative_scorers(
    gram: np.ndarray, chars: np.ndarray | None = None, chars_cut: np.ndarray | None = None
) -> dict[str, object]:
    """score(kept) functions for the alternatives, built once from For you's own similarities.

    - lsa_blend: 0.7 For you + 0.3 the mean cosine in the 400-dimensional LSA space (the top singular
      vectors of the library's TF-IDF matrix, from the eigenvectors of its Gram matrix).
    - label_spreading: Zhou et al.'s spreading from the kept papers over the symmetric 10-nearest-
      neighbour graph of the library (α = 0.85, 20 steps).
    - hub_corrected: For you − ¼ of each paper's mean similarity to its 20 nearest papers (CSLS:
      papers alike to everything stop crowding the top).
    - svm_for_you_vectors: the SVM on For you's vectors instead of arxiv-sanity's features.
    With the character n-gram similarities (`char_ngram_gram`): `chars` of all a paper's n-grams,
    `chars_cut` of its `CHAR_TOP` heaviest:
    - chars_blend: For you + 0.3 the n-gram cosine.
    - chars_blend_hub, chars192_blend_hub: that, − ¼ of each paper's hubness in it.
    """
    n = len(gram)
    eigenvalues, eigenvectors = np.linalg.eigh(gram.astype(np.float64))
    top = np.argsort(-eigenvalues)[:LSA_DIMS]
    lsa = (eigenvectors[:, top] * np.sqrt(np.maximum(eigenvalues[top], 0))).astype(np.float32)
    lsa /= np.maximum(np.linalg.norm(lsa, axis=1, keepdims=True), 1e-9)
    others = gram.copy()
    np.fill_diagonal(others, 0.0)
    near = np.argpartition(-others, GRAPH_K, axis=1)[:, :GRAPH_K]
    rows = np.repeat(np.arange(n), GRAPH_K)
    graph = np.zeros_like(others)
    graph[rows, near.ravel()] = others[rows, near.ravel()]
    graph = np.maximum(graph, graph.T)
    degree = np.sqrt(np.maximum(graph.sum(axis=1), 1e-9))
    graph /= degree[:, None] * degree[None, :]
    hub = hubness(gram)
    kernel = gram + 1.0

    def spread(kept: list[int]) -> np.ndarray:
        seed = np.zeros(n, dtype=np.float32)
        seed[kept] = 1.0
        score = seed.copy()
        for _ in range(20):
            score = (1 - SPREAD_ALPHA) * seed + SPREAD_ALPHA * (graph @ score)
        return score

    scorers = {
        "lsa_blend": lambda kept: (1 - LSA_SHARE) * gram[kept].mean(0) + LSA_SHARE * (lsa @ lsa[kept].mean(0)),
        "label_spreading": spread,
        "hub_corrected": lambda kept: gram[kept].mean(0) - HUB_SHARE * hub,
        "svm_for_you_vectors": lambda kept: svm_scores(kernel, kept),
    }
    if chars is not None:
        blend = gram + CHAR_SHARE * chars
        blend_hub = hubness(blend)
        scorers["chars_blend"] = lambda kept: blend[kept].mean(0)
        scorers["chars_blend_hub"] = lambda kept: blend[kept].mean(0) - HUB_SHARE * blend_hub
    if chars_cut is not None:
        cut = gram + CHAR_SHARE * chars_cut
        cut_hub = hubness(cut)
        scorers[f"chars{CHAR_TOP}_blend_hub"] = lambda kept: cut[kept].mean(0) - HUB_SHARE * cut_hub
    return scorers


def label_ceiling(
    gram: np.ndarray, cats: list[set[str]], chosen: list[str], splits: int = 4, more: np.ndarray | None = None
) -> dict:
    """What the text supports when far more is known than 5 kept papers.

    The categorised papers are split in half at random; a classifier learns from the categories of
    one half (kernel ridge regression, +1 for the category, −1 for the rest, λ = 1) and ranks the
    rest of the library; judged precision@10 is counted on the other half. Its kernel is For you's
    similarities, and (`more`: further similarities added to them, e.g. arxiv-sanity's words and
    word pairs and the character n-grams) a richer one. Beside it, on the same pools, rankers that
    know only what a reader keeps: For you from 5 of the half's papers of the category (the usual
    reader) and from all of them, and (with `more`) the SVM from all of them against the library.
    """
    n = len(gram)
    judged = np.flatnonzero([bool(c) for c in cats])
    is_judged = np.zeros(n, dtype=bool)
    is_judged[judged] = True
    richer = None if more is None else gram + more
    results: dict[str, list[float]] = {
        "for_you_5_kept": [],
        "for_you_all_kept": [],
        "svm_all_kept": [],
        "supervised": [],
        "supervised_richer": [],
    }
    for split in range(splits):
        rng = np.random.default_rng(split)
        train = np.zeros(n, dtype=bool)
        train[rng.choice(judged, len(judged) // 2, replace=False)] = True
        pool = np.flatnonzero(~train)
        labelled = np.flatnonzero(train)
        kernels = [(gram, "supervised")] + ([] if richer is None else [(richer, "supervised_richer")])
        for category in chosen:
            target = np.array([category in cats[i] for i in range(n)])
            positives = labelled[target[labelled]].tolist()
            if len(positives) < KEPT:
                continue
            kept5 = random.Random(f"{category}:{split}").sample(positives, KEPT)
            ranked_by = [("for_you_5_kept", gram[kept5].mean(0)), ("for_you_all_kept", gram[positives].mean(0))]
            for kernel, name in kernels:
                block = kernel[np.ix_(labelled, labelled)] + 1.0
                coef = np.linalg.solve(block + np.eye(len(labelled)), np.where(target[labelled], 1.0, -1.0))
                ranked_by.append((name, (kernel[:, labelled] + 1.0) @ coef))
            if richer is not None:
                ranked_by.append(("svm_all_kept", svm_scores(richer + 1.0, positives)))
            for name, scores in ranked_by:
                ranked = pool[np.lexsort((pool, -scores[pool]))]
                results[name].append(float(target[ranked[is_judged[ranked]][:10]].mean()))
    return {
        "labelled_papers": len(judged) // 2,
        **{name: round(statistics.fmean(values), 3) for name, values in results.items() if values},
    }


def _averages(rows: dict[str, list[tuple[float, float, float]]], seeds: list[int], chosen: list[str]) -> dict:
    """Per method: each metric averaged over these seeds' readers within a category, then over categories."""
    methods = next(iter(rows.values())).keys() if rows else []
    return {
        method: [
            round(statistics.fmean(statistics.fmean(rows[c][method][s][k] for s in seeds) for c in chosen), 3)
            for k in range(3)
        ]
        for method in methods
    }


def quality(seeds: int, alternatives: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="paperterm-recommend-") as tmp:
        library = real_library(Path(tmp))
        papers = list(library.papers.values())
        started = time.perf_counter()
        vectors = PaperVectors.build(papers)
        build_s = time.perf_counter() - started
        docs = [library.papers[pid] for pid in vectors.doc_ids]
        cats = [categories_of(p) for p in docs]
        judged = {i for i, c in enumerate(cats) if c}
        counts = Counter(c for cs in cats for c in cs)
        chosen = sorted(c for c, n in counts.items() if n >= MIN_CATEGORY)
        newest = sorted(range(len(docs)), key=lambda i: _newest_first(docs[i]), reverse=True)
        features = sanity_features([f"{p.title} {p.abstract}" for p in docs])
        gram = features @ features.T + 1.0
        methods = ["for_you", "svm", "newest", "random"]
        extra: dict[str, object] = {}
        own_gram = None
        chars = None
        if alternatives:
            own_gram = library_gram(vectors)
            texts = [f"{p.title} {p.title} {p.abstract}" for p in docs]  # the title twice, as For you counts it
            chars = char_ngram_gram(texts)
            extra = alternative_scorers(own_gram, chars, char_ngram_gram(texts, CHAR_TOP))
            methods += list(extra)
        check_sklearn = sklearn_svm_scores(features[:50], [0]) is not None
        agreement: list[float] = []  # top-10 overlap of the numpy SVM with scikit-learn's, first reader each
        rows: dict[str, dict[str, list[tuple[float, float, float]]]] = {}
        for category in chosen:
            members = sorted(i for i, c in enumerate(cats) if category in c)
            rows[category] = {m: [] for m in methods}
            for seed in range(seeds):
                rng = random.Random(f"{category}:{seed}")
                kept = rng.sample(members, KEPT)
                relevant = set(members) - set(kept)
                rest = np.array([i for i in range(len(docs)) if i not in set(kept)])
                taste = Taste(vectors)
                taste.update([vectors.doc_ids[i] for i in kept], [])
                ranked = rank(taste, None, None, explain=0)
                orders = {"for_you": [vectors.doc_of[r.paper_id] for r in ranked]}
                svm = svm_scores(gram, kept)
                orders["svm"] = rest[np.lexsort((rest, -svm[rest]))].tolist()
                if check_sklearn and seed == 0:
                    sk = sklearn_svm_scores(features, kept)
                    assert sk is not None
                    theirs = rest[np.lexsort((rest, -sk[rest]))].tolist()
                    agreement.append(len(set(theirs[:10]) & set(orders["svm"][:10])) / 10)
                orders["newest"] = [i for i in newest if i not in set(kept)]
                shuffled = rest.tolist()
                rng.shuffle(shuffled)
                orders["random"] = shuffled
                for name, scorer in extra.items():
                    scores = scorer(kept)  # type: ignore[operator]
                    orders[name] = rest[np.lexsort((rest, -scores[rest]))].tolist()
                for method in methods:
                    rows[category][method].append(_metrics(orders[method], relevant, judged))
        every = list(range(seeds))
        per_category = {
            category: {"papers": counts[category], **_averages({category: rows[category]}, every, [category])}
            for category in chosen
        }
        result = {
            "library_papers": len(docs),
            "papers_with_categories": len(judged),
            "categories": len(chosen),
            "seeds": seeds,
            "build_s": round(build_s, 3),
            "columns": ["judged_p@10", "strict_p@10", "recall@50"],
            "per_category": per_category,
            "average": _averages(rows, every, chosen),
            # Anything chosen by looking at these numbers is chosen on the even seeds; the odd ones check it carries.
            "tune_even_seeds": _averages(rows, every[0::2], chosen),
            "held_out_odd_seeds": _averages(rows, every[1::2], chosen),
            "svm_top10_agreement_with_sklearn": round(statistics.fmean(agreement), 3) if agreement else None,
        }
        if own_gram is not None:
            result["ceiling"] = label_ceiling(own_gram, cats, chosen, more=(gram - 1.0) + chars)
        return result


def print_quality(result: dict) -> None:
    methods = list(result["average"])
    print(
        f"{result['library_papers']} papers, {result['papers_with_categories']} with arXiv categories; "
        f"{result['categories']} categories with ≥ {MIN_CATEGORY} papers; {result['seeds']} readers each, "
        f"{KEPT} kept"
    )
    print("cells: judged precision@10 / strict precision@10 / recall@50")
    header = f"{'category':<14}{'n':>5}  " + "".join(f"{m:>20}" for m in methods)
    print(header)
    for category, row in result["per_category"].items():
        cells = "".join(f"{'/'.join(f'{x:.2f}' for x in row[m]):>20}" for m in methods)
        print(f"{category:<14}{row['papers']:>5}  {cells}")
    for label, key in (("average", "average"), ("even seeds", "tune_even_seeds"), ("odd seeds", "held_out_odd_seeds")):
        cells = "".join(f"{'/'.join(f'{x:.2f}' for x in result[key][m]):>20}" for m in methods)
        print(f"{label:<14}{'':>5}  {cells}")
    if "ceiling" in result:
        ceiling = result["ceiling"]
        print(
            f"ceiling (judged precision@10 on half the categorised papers, learning from the other "
            f"{ceiling['labelled_papers']}): knowing what is kept: For you from 5 kept "
            f"{ceiling['for_you_5_kept']:.2f}, "
            f"from all the half's papers of the category {ceiling['for_you_all_kept']:.2f}, the SVM on For you's + "
            f"arxiv-sanity's + character n-gram similarities from all of them {ceiling['svm_all_kept']:.2f}; "
            f"knowing every label of the half (kernel ridge): on For you's similarities {ceiling['supervised']:.2f}, "
            f"on For you's + arxiv-sanity's + character n-grams' {ceiling['supervised_richer']:.2f}"
        )
    if result["svm_top10_agreement_with_sklearn"] is not None:
        share = result["svm_top10_agreement_with_sklearn"]
        print(f"numpy SVM vs scikit-learn LinearSVC: {share:.0%} of the top 10 the same (first reader per category)")


# -- speed -----------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def _timed(action, repeat: int = 5) -> tuple[float, object]:
    """Median CPU milliseconds (process time: the work is single-threaded, and the machine shared)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.process_time()
        result = action()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times), result


def speed(data_dir: Path) -> dict:
    library = Library.open(data_dir)
    papers = list(library.papers.values())
    rss_before = _rss_mb()
    started = time.process_time()
    vectors = PaperVectors.build(papers[:-200])
    build_s = time.process_time() - started
    with tempfile.TemporaryDirectory(prefix="paperterm-recommend-") as tmp:
        folder = Path(tmp)
        vectors.save(folder, "bench")
        del vectors
        started = time.process_time()
        loaded = PaperVectors.load(folder, "bench")
        load_ms = (time.process_time() - started) * 1000
        assert loaded is not None
        vectors = loaded
        rng = random.Random(1)
        kept = [p.id for p in rng.sample(papers[:-200], 20)]
        taste = Taste(vectors)
        taste.update(kept[:19], [])
        update_ms, _ = _timed(lambda: (taste.update(kept, []), taste.update(kept[:19], [])), 5)
        taste.update(kept, [])
        rank_ms, ranked = _timed(lambda: rank(taste, None, 50), 5)
        kept_set = set(kept)
        every = [pid for pid in vectors.doc_ids if pid not in kept_set]
        order_all_ms, _ = _timed(lambda: order(taste, every), 3)
        probes = [p.id for p in rng.sample(papers[:-200], 20)]
        related = []
        for pid in probes:
            started = time.process_time()
            vectors.related(pid, 5)
            related.append((time.process_time() - started) * 1000)
        started, wall = time.process_time(), time.perf_counter()
        vectors.add_papers(papers[-200:])
        vectors.save_delta(folder)
        import_ms = (time.process_time() - started) * 1000
        import_wall_ms = (time.perf_counter() - wall) * 1000
        rss_after = _rss_mb()
        return {
            "papers": len(papers),
            "vocabulary": len(vectors.vocab),
            "nonzeros": len(vectors.terms),
            "build_s": round(build_s, 2),
            "load_ms": round(load_ms, 1),
            "rank_top50_ms": round(rank_ms, 1),
            "order_all_ms": round(order_all_ms, 1),
            "related_median_ms": round(statistics.median(related), 2),
            "related_max_ms": round(max(related), 2),
            "update_one_bookmark_ms": round(update_ms / 2, 1),
            "import_200_ms": round(import_ms, 1),
            "import_200_wall_ms": round(import_wall_ms, 1),
            "files_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 2**20, 1),
            "added_rss_mb": round(rss_after - rss_before, 1),
            "first": ranked[0].paper_id if ranked else None,  # type: ignore[union-attr]
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    q = sub.add_parser("quality", help="precision and recall on the real digests")
    q.add_argument("--seeds", type=int, default=20, help="readers per category (default 20)")
    q.add_argument("--alternatives", action="store_true", help="also the alternatives tried and the ceiling")
    q.add_argument("--json", action="store_true")
    s = sub.add_parser("speed", help="timings and memory on an imported library")
    s.add_argument("--data-dir", type=Path, required=True)
    s.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.what == "quality":
        result = quality(args.seeds, args.alternatives)
        print(json.dumps(result, indent=2) if args.json else "", end="")
        if not args.json:
            print_quality(result)
    else:
        result = speed(args.data_dir)
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
