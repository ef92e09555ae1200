// Package classify evaluates classification predictions against ground
// truth: the metrics of a Report and the per-sample fields (SPEC §4) that
// queries, sorting and export use like any other column.
//
// NewInput turns Arrow label, pred, score and probs columns into an Input
// (class indexes, scores, a row-major N×K probability matrix), counting bad
// values into warnings rather than failing. Evaluate computes a Report; its
// Fields method returns the derived columns and MarshalJSON / WriteText
// print it.
//
// Every number matches a reference tool, to the last few bits where the
// order of floating-point operations allows:
//
//   - accuracy, balanced accuracy, per-class precision, recall, F1 and
//     support, macro / weighted / micro averages, the confusion matrix (rows
//     are the given label), log loss (with 1.2.1's clipping to
//     [eps, 1-eps] and row renormalization), ROC AUC (binary; one-vs-rest
//     macro and weighted; one-vs-one macro as Hand & Till), average
//     precision, top-k accuracy, Cohen's kappa and the Matthews correlation
//     coefficient are scikit-learn 1.2.1's, with zero_division=0 inside the
//     averages;
//   - the confident thresholds, the confident joint (raw and calibrated),
//     find_label_issues for every filter_by, num_label_issues and the label
//     quality scores self_confidence, normalized_margin and
//     confidence_weighted_entropy are cleanlab 2.9.0's (commit 7506257),
//     including numpy's argmax (first maximum), its pairwise summation in
//     means, and the order np.argsort's quicksort gives tied values;
//   - hardness (entropy of probs, natural log) and mistakenness
//     ((s·c+1)/2, s = +1 when wrong and -1 when right, c the confidence of
//     the prediction) are FiftyOne's.
//
// Log loss and top-k accuracy use every class column, as scikit-learn does
// when given labels=range(K) (without it, sklearn refuses a class missing
// from the labels). In a binary task (Input.Positive >= 0) a row is
// predicted positive when p(positive) >= Threshold, a tie counting as
// positive, or, for a row without probs, when pred is the positive class;
// tp, fp, fn, tn, precision, recall and F1 follow from that, while
// accuracy, the confusion matrix and the per-class table use pred.
//
// Where scikit-learn would return a made-up 0 or raise (precision with no
// predicted positives, recall of a class without ground truth, ROC AUC with
// a class absent, MCC with a single class), the value is undefined: NaN in
// Go, null in JSON, with a note in the report saying why. testdata/reference
// holds the numbers the tests compare with.
//
// Rows enter each number only when they have what it needs: a label and a
// prediction for the confusion-matrix metrics, a label and a full probs row
// for log loss, ROC AUC, top-k accuracy and confident learning. Missing
// values are -1 (class indexes) or NaN (scores, probs rows) in an Input.
package classify
