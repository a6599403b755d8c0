"""
Tuning the embedding and the classifier together with GridSearchCV
==================================================================

Every parameter of a skembed vectorizer is an ordinary constructor argument,
so :class:`~sklearn.model_selection.GridSearchCV` tunes the word2vec model,
the pooling and the classifier in one search, with the embedding retrained
on each training fold. This example searches skip-gram against CBOW, plain
against IDF-weighted averaging, and the regularisation of the logistic
regression, then reads ``cv_results_`` as a table.

To run in well under a minute on two cores, the search uses a stratified
sample of 3,000 of the 10,662 movie-review sentences (3-fold
cross-validation), and the remaining 7,662 sentences serve as a test set.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402

# %%
# A sample of the movie reviews
# -----------------------------
from sklearn.model_selection import train_test_split

from skembed.datasets import fetch_movie_reviews

mr = fetch_movie_reviews()
X_search, X_test, y_search, y_test = train_test_split(
    mr.data, mr.target, train_size=3000, stratify=mr.target, random_state=0
)
print(f"search on {len(X_search):,} sentences, test on {len(X_test):,}")

# %%
# The pipeline and the grid
# -------------------------
# Parameters of a step are addressed as ``<step name>__<parameter>``. The
# vectorizer is the expensive step: with ``memory``, the pipeline caches its
# fitted result, so the three values of ``C`` reuse one trained word2vec per
# fold and vectorizer setting (4 settings x 3 folds = 12 trainings instead of
# 36).
import tempfile

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skembed import Word2VecVectorizer

cache = tempfile.TemporaryDirectory(prefix="skembed-grid-")
pipe = Pipeline(
    [
        ("vec", Word2VecVectorizer(min_count=1, epochs=10, random_state=0)),
        ("clf", LogisticRegression(max_iter=1000)),
    ],
    memory=cache.name,
)
param_grid = {
    "vec__sg": [0, 1],  # CBOW or skip-gram
    "vec__weighting": [None, "tfidf"],  # plain or IDF-weighted mean
    "clf__C": [1.0, 10.0, 100.0],
}
search = GridSearchCV(pipe, param_grid, cv=3, n_jobs=2)
search.fit(X_search, y_search)
print(f"best cross-validated accuracy {search.best_score_:.3f} with {search.best_params_}")

# %%
# The results as a table
# ----------------------
# ``cv_results_`` is a dict of arrays, one entry per candidate; a pandas
# DataFrame makes it readable. Fit times include the word2vec training, or
# almost nothing when the cached vectorizer was reused.
import pandas as pd

results = pd.DataFrame(search.cv_results_)
columns = {
    "param_vec__sg": "sg",
    "param_vec__weighting": "weighting",
    "param_clf__C": "C",
    "mean_test_score": "mean accuracy",
    "std_test_score": "std",
    "mean_fit_time": "fit time (s)",
    "rank_test_score": "rank",
}
table = results[list(columns)].rename(columns=columns).sort_values("rank")
table["sg"] = table["sg"].map({0: "CBOW", 1: "skip-gram"})
table["weighting"] = table["weighting"].fillna("none")
print(table.round(3).to_string(index=False))

# %%
# Scores against ``C``
# --------------------
# The regularisation of the classifier matters as much as the embedding
# choices. The averaged vectors of different sentences differ by small
# amounts around a large common component, so the logistic regression needs
# little regularisation to use them: the largest ``C`` wins, and the grid
# should be extended to the right (or a ``StandardScaler`` added, as in the
# quick start). On 2,000 training sentences per fold, skip-gram learns clearly
# better vectors than CBOW; the IDF weights help a little.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
for (sg, weighting), group in table.groupby(["sg", "weighting"], sort=True):
    group = group.sort_values("C")
    ax.errorbar(
        group["C"],
        group["mean accuracy"],
        yerr=group["std"],
        marker="o",
        capsize=3,
        label=f"{sg}, {'plain' if weighting == 'none' else 'IDF-weighted'} mean",
    )
ax.set_xscale("log")
ax.set_xlabel("C (inverse regularisation strength of the logistic regression)")
ax.set_ylabel("mean cross-validated accuracy")
ax.set_title("Grid search on 3,000 movie-review sentences (3 folds)")
ax.legend(loc="lower right")
ax.grid(alpha=0.3)
# sphinx_gallery_start_ignore
# When run as a script, figures are also saved as PNG files in $SKEMBED_EXAMPLES_OUT
# (default: the current directory).
import os
from pathlib import Path

out = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
out.mkdir(parents=True, exist_ok=True)
fig.savefig(out / "grid_search_scores.png", dpi=110)
# sphinx_gallery_end_ignore

# %%
# The best model on held-out sentences
# ------------------------------------
# ``GridSearchCV`` refits the best candidate on all 3,000 sentences
# (``refit=True``); its accuracy on the 7,662 sentences it never saw estimates
# its real performance better than ``best_score_``, which was used to pick it.
print(f"test accuracy of the best pipeline: {search.score(X_test, y_test):.3f}")
cache.cleanup()
