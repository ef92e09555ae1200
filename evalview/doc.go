// Package evalview is the evaluated view of a dataset: it evaluates every
// prediction set of a dataset against its ground truth and adds the
// per-sample derived fields of SPEC §4 to the table, bare for the first set
// and NAME.field for each set when there are several.
//
// The metrics live in sub-packages, one job each:
//
//   - classify: classification metrics as scikit-learn 1.2.1 computes them,
//     cleanlab's confident learning and FiftyOne's hardness and
//     mistakenness;
//   - detect: COCO evaluation as pycocotools computes it and FiftyOne's
//     detection mistakenness.
//
// Columns lists what Evaluate reads, Evaluate runs the evaluation on a
// table, and DerivedFields gives the fields it would add without reading
// any data, so queries can be type-checked first.
package evalview
