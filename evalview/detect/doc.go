// Package detect evaluates object detections against ground-truth boxes:
// COCO's bbox evaluation as pycocotools computes it (COCOeval: the twelve
// summary numbers, per-class AP, per-box verdicts), FiftyOne's detection
// mistakenness and a class-agnostic confusion matrix, and the per-sample
// and per-box fields (SPEC §4) that queries use like any other column.
//
// Input holds the ground-truth and detections list<struct> columns; Evaluate
// returns a Report and warnings for boxes it had to leave out. Report.Fields
// returns the derived columns, MarshalJSON / WriteText print the report and
// PRCurve gives a class's precision-recall curve.
package detect
