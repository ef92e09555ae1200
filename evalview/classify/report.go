package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// jsonObj writes one JSON object with keys in insertion order.
type jsonObj struct {
	b     *bytes.Buffer
	first bool
}

func newObj(b *bytes.Buffer) *jsonObj {
	b.WriteByte('{')
	return &jsonObj{b: b, first: true}
}

func (o *jsonObj) key(k string) *bytes.Buffer {
	if !o.first {
		o.b.WriteByte(',')
	}
	o.first = false
	writeJSONString(o.b, k)
	o.b.WriteByte(':')
	return o.b
}

func (o *jsonObj) num(k string, v float64) { writeJSONNum(o.key(k), v) }
func (o *jsonObj) int(k string, v int64)   { o.key(k).WriteString(strconv.FormatInt(v, 10)) }
func (o *jsonObj) str(k string, v string)  { writeJSONString(o.key(k), v) }
func (o *jsonObj) null(k string)           { o.key(k).WriteString("null") }
func (o *jsonObj) end()                    { o.b.WriteByte('}') }

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// writeJSONNum writes v in the shortest form that reads back exactly, null
// for NaN and the infinities.
func writeJSONNum(b *bytes.Buffer, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		b.WriteString("null")
		return
	}
	b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
}

// MarshalJSON writes the report with the keys SPEC §4 fixes for
// classification (accuracy, balanced_accuracy, per_class, macro_avg,
// weighted_avg, confusion_matrix, log_loss, roc_auc_ovr_macro,
// top_k_accuracy; for binary tasks positive, tp, fp, fn, tn, precision,
// recall, f1, roc_auc, average_precision) plus micro_avg,
// roc_auc_ovr_weighted, roc_auc_ovo_macro, cohen_kappa, matthews_corrcoef
// and label_issues. Classes keep their order. Undefined values are null.
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	o := newObj(&b)
	o.num("accuracy", r.Accuracy)
	o.num("balanced_accuracy", r.BalancedAccuracy)
	pc := newObj(o.key("per_class"))
	for _, m := range r.PerClass {
		c := newObj(pc.key(m.Name))
		c.num("precision", m.Precision)
		c.num("recall", m.Recall)
		c.num("f1", m.F1)
		c.int("support", m.Support)
		c.end()
	}
	pc.end()
	for _, avg := range []struct {
		name string
		a    Average
	}{{"macro_avg", r.MacroAvg}, {"weighted_avg", r.WeightedAvg}, {"micro_avg", r.MicroAvg}} {
		a := newObj(o.key(avg.name))
		a.num("precision", avg.a.Precision)
		a.num("recall", avg.a.Recall)
		a.num("f1", avg.a.F1)
		a.end()
	}
	cm := newObj(o.key("confusion_matrix"))
	classes, _ := json.Marshal(r.Classes)
	cm.key("classes").Write(classes)
	matrix, _ := json.Marshal(r.Confusion)
	cm.key("matrix").Write(matrix)
	cm.end()
	o.num("log_loss", r.LogLoss)
	o.num("roc_auc_ovr_macro", r.ROCAUCOvRMacro)
	o.num("roc_auc_ovr_weighted", r.ROCAUCOvRWeighted)
	o.num("roc_auc_ovo_macro", r.ROCAUCOvOMacro)
	if r.TopK == nil {
		o.null("top_k_accuracy")
	} else {
		tk := newObj(o.key("top_k_accuracy"))
		for _, t := range r.TopK {
			tk.num(strconv.Itoa(t.K), t.Accuracy)
		}
		tk.end()
	}
	o.num("cohen_kappa", r.CohenKappa)
	o.num("matthews_corrcoef", r.MatthewsCorrcoef)
	if bm := r.Binary; bm != nil {
		o.str("positive", bm.Positive)
		o.int("tp", bm.TP)
		o.int("fp", bm.FP)
		o.int("fn", bm.FN)
		o.int("tn", bm.TN)
		o.num("precision", bm.Precision)
		o.num("recall", bm.Recall)
		o.num("f1", bm.F1)
		o.num("roc_auc", bm.ROCAUC)
		o.num("average_precision", bm.AveragePrecision)
	}
	if li := r.LabelIssues; li == nil {
		o.null("label_issues")
	} else {
		l := newObj(o.key("label_issues"))
		l.str("filter", li.Filter)
		l.int("num_label_issues", int64(li.NumFlagged))
		nr := newObj(l.key("noise_rate"))
		for i, c := range r.Classes {
			nr.num(c, li.NoiseRate[i])
		}
		nr.end()
		sw := l.key("top_swapped_pairs")
		sw.WriteByte('[')
		for i, s := range li.TopSwaps {
			if i > 0 {
				sw.WriteByte(',')
			}
			p := newObj(sw)
			p.str("given", s.Given)
			p.str("true", s.True)
			p.int("count", s.Count)
			p.end()
		}
		sw.WriteByte(']')
		l.end()
	}
	o.end()
	return b.Bytes(), nil
}

// WriteText writes a report for people: the headline metrics, the
// per-class table, the confusion matrix, the label-issue summary and the
// notes. Class names are shown with control characters escaped.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	f := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	fmt.Fprintf(&b, "classification: %d rows, %d evaluated (label and prediction), %d with probs\n", r.N, r.Evaluated, r.WithProbs)
	fmt.Fprintf(&b, "accuracy %s  balanced accuracy %s  cohen kappa %s  MCC %s\n", f(r.Accuracy), f(r.BalancedAccuracy), f(r.CohenKappa), f(r.MatthewsCorrcoef))
	if r.WithProbs > 0 {
		fmt.Fprintf(&b, "log loss %s  ROC AUC OvR macro %s  weighted %s  OvO macro %s\n", f(r.LogLoss), f(r.ROCAUCOvRMacro), f(r.ROCAUCOvRWeighted), f(r.ROCAUCOvOMacro))
		if len(r.TopK) > 0 {
			b.WriteString("top-k accuracy")
			for _, t := range r.TopK {
				fmt.Fprintf(&b, "  top-%d %s", t.K, f(t.Accuracy))
			}
			b.WriteByte('\n')
		}
	}
	if bm := r.Binary; bm != nil {
		fmt.Fprintf(&b, "\npositive class %s, predicted positive when p >= %g\n", shown(bm.Positive), bm.Threshold)
		fmt.Fprintf(&b, "TP %d  FP %d  FN %d  TN %d  precision %s  recall %s  F1 %s  ROC AUC %s  average precision %s\n",
			bm.TP, bm.FP, bm.FN, bm.TN, f(bm.Precision), f(bm.Recall), f(bm.F1), f(bm.ROCAUC), f(bm.AveragePrecision))
	}
	b.WriteByte('\n')
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "class\tprecision\trecall\tf1\tsupport\tpredicted\tROC AUC\t\n")
	for _, m := range r.PerClass {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t\n", shown(m.Name), f(m.Precision), f(m.Recall), f(m.F1), m.Support, m.Predicted, f(m.ROCAUC))
	}
	for _, a := range []struct {
		name string
		v    Average
	}{{"macro avg", r.MacroAvg}, {"weighted avg", r.WeightedAvg}, {"micro avg", r.MicroAvg}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t\t\t\n", a.name, f(a.v.Precision), f(a.v.Recall), f(a.v.F1), a.v.Support)
	}
	tw.Flush()
	b.WriteString("\nconfusion matrix (rows: label, columns: prediction)\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 1, ' ', tabwriter.AlignRight)
	tw.Write([]byte("\t"))
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t", shown(c))
	}
	tw.Write([]byte("\n"))
	for i, row := range r.Confusion {
		fmt.Fprintf(tw, "%s\t", shown(r.Classes[i]))
		for _, v := range row {
			fmt.Fprintf(tw, "%d\t", v)
		}
		tw.Write([]byte("\n"))
	}
	tw.Flush()
	if li := r.LabelIssues; li != nil {
		fmt.Fprintf(&b, "\nlabel issues (cleanlab %s): %d rows flagged as suspect; num_label_issues %d (calibrated %d)\n",
			li.Filter, li.NumFlagged, li.NumLabelIssues, li.NumLabelIssuesCalibrated)
		b.WriteString("noise rate by given label:")
		for i, c := range r.Classes {
			fmt.Fprintf(&b, " %s %s", shown(c), f(li.NoiseRate[i]))
		}
		b.WriteByte('\n')
		if len(li.TopSwaps) > 0 {
			b.WriteString("most swapped (given -> estimated true):")
			for i, s := range li.TopSwaps {
				sep := ","
				if i == 0 {
					sep = ""
				}
				fmt.Fprintf(&b, "%s %s -> %s %d", sep, shown(s.Given), shown(s.True), s.Count)
			}
			b.WriteByte('\n')
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shown escapes control and other non-printable characters, so a class
// name can never send an escape sequence to the terminal.
func shown(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}
