package dataset

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Role is what a column means to triage (SPEC §2).
type Role string

const (
	RoleID          Role = "id"
	RoleLabel       Role = "label"
	RolePred        Role = "pred"
	RoleScore       Role = "score"
	RoleProbs       Role = "probs"
	RoleGroundTruth Role = "ground_truth"
	RoleDetections  Role = "detections"
	RoleImage       Role = "image"
	RoleFilepath    Role = "filepath"
	RoleEmbedding   Role = "embedding"
	RoleSplit       Role = "split"
)

// AllRoles lists the roles in the order detection tries them.
var AllRoles = []Role{RoleID, RoleLabel, RolePred, RoleScore, RoleProbs, RoleGroundTruth, RoleDetections, RoleImage, RoleFilepath, RoleEmbedding, RoleSplit}

// roleNames are the column names each role is recognised by, best first.
var roleNames = map[Role][]string{
	RoleID:          {"id", "sample_id", "image_id", "uid", "key"},
	RoleLabel:       {"label", "labels", "target", "ground_truth_label", "gt_label", "class", "y", "y_true"},
	RolePred:        {"pred", "prediction", "predicted", "predicted_label", "pred_label", "y_pred"},
	RoleScore:       {"score", "confidence", "conf", "pred_score", "probability"},
	RoleProbs:       {"probs", "probabilities", "proba", "pred_probs", "y_proba"},
	RoleGroundTruth: {"ground_truth", "gt", "annotations", "objects"},
	RoleDetections:  {"detections", "predictions", "dets", "pred_boxes"},
	RoleImage:       {"image", "img", "picture"},
	RoleFilepath:    {"filepath", "file_path", "image_path", "path", "filename", "file_name"},
	RoleEmbedding:   {"embedding", "embeddings", "features", "emb", "vector"},
	RoleSplit:       {"split", "subset", "fold"},
}

// Roles maps each detected role to its column name.
type Roles map[Role]string

// RoleOf returns the role of a column, or "" if it has none.
func (r Roles) RoleOf(column string) Role {
	for role, c := range r {
		if c == column {
			return role
		}
	}
	return ""
}

// RoleError is a role override (--label, --role) that names a missing
// column, or a column whose type cannot play the role.
type RoleError struct {
	Path   string // the file holding the column (Open sets it)
	Role   Role
	Column string
	Msg    string
}

func (e *RoleError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// roleWants says what type a role needs, for messages.
var roleWants = map[Role]string{
	RoleID:          "an integer or string column",
	RoleLabel:       "an integer, string or bool column",
	RolePred:        "an integer, string or bool column",
	RoleScore:       "a float column",
	RoleProbs:       "a list of floats",
	RoleGroundTruth: "a list of structs (boxes)",
	RoleDetections:  "a list of structs (boxes)",
	RoleImage:       "a struct with bytes or path, or a binary column",
	RoleFilepath:    "a string column",
	RoleEmbedding:   "a list of numbers",
	RoleSplit:       "a string column",
}

// DetectRoles finds the columns that play each role, by name and type.
// overrides (role -> column) win; an override naming a missing column, or
// a column whose type does not fit the role, is a *RoleError.
func DetectRoles(schema *arrow.Schema, overrides map[Role]string) (Roles, error) {
	roles := Roles{}
	for _, role := range AllRoles { // in a fixed order: the first bad override is reported
		col := overrides[role]
		if col == "" {
			continue
		}
		f, ok := field(schema, col)
		if !ok {
			return nil, &RoleError{Role: role, Column: col, Msg: fmt.Sprintf("no column %q for the %s role (columns: %s)", col, role, columnList(schema))}
		}
		if !fitsRole(role, f.Type) {
			return nil, &RoleError{Role: role, Column: col, Msg: fmt.Sprintf("column %q is %s, which cannot be the %s: want %s", col, f.Type, role, roleWants[role])}
		}
		roles[role] = col
	}
	taken := map[string]bool{}
	for _, c := range roles {
		taken[c] = true
	}
	for _, role := range AllRoles {
		if _, ok := roles[role]; ok {
			continue
		}
		for _, name := range roleNames[role] {
			f, ok := fieldFold(schema, name)
			if ok && !taken[f.Name] && fitsRole(role, f.Type) {
				roles[role] = f.Name
				taken[f.Name] = true
				break
			}
		}
	}
	return roles, nil
}

func columnList(schema *arrow.Schema) string {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// fieldFold finds a field by name, ignoring case.
func fieldFold(schema *arrow.Schema, name string) (arrow.Field, bool) {
	for _, f := range schema.Fields() {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return arrow.Field{}, false
}

// fitsRole reports whether a column of type t can play role.
func fitsRole(role Role, t arrow.DataType) bool {
	switch role {
	case RoleID:
		return isInteger(t) || isString(t)
	case RoleLabel, RolePred:
		return isInteger(t) || isString(t) || t.ID() == arrow.BOOL
	case RoleScore:
		return isFloat(t)
	case RoleProbs, RoleEmbedding:
		elem := listElem(t)
		return elem != nil && (isFloat(elem) || isInteger(elem) && role == RoleEmbedding)
	case RoleGroundTruth, RoleDetections:
		elem := listElem(t)
		return elem != nil && elem.ID() == arrow.STRUCT
	case RoleImage:
		if st, ok := t.(*arrow.StructType); ok {
			_, hasBytes := st.FieldIdx("bytes")
			_, hasPath := st.FieldIdx("path")
			return hasBytes || hasPath
		}
		return t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_BINARY
	case RoleFilepath, RoleSplit:
		return isString(t)
	}
	return false
}

func isInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func isFloat(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
}

// isString is true for string columns, plain or dictionary-encoded.
func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	case arrow.DICTIONARY:
		return isString(t.(*arrow.DictionaryType).ValueType)
	}
	return false
}

// listElem returns the element type of a list column, or nil.
func listElem(t arrow.DataType) arrow.DataType {
	if l, ok := t.(arrow.ListLikeType); ok {
		return l.Elem()
	}
	return nil
}

// Class-list sources, in the order SPEC §2.1 gives.
const (
	ClassesFromFlag        = "--classes"
	ClassesFromMetadata    = "triage.classes metadata"
	ClassesFromHuggingFace = "huggingface ClassLabel metadata"
	ClassesFromValues      = "sorted distinct labels"
)

// classesFromMetadata looks for the class list in a schema's key-value
// metadata: first triage.classes, then Hugging Face's ClassLabel names for
// the label column (or a class label nested in it, for detection).
func classesFromMetadata(schema *arrow.Schema, labelCol string) (classes []string, source string, err error) {
	md := schema.Metadata()
	if v, ok := md.GetValue("triage.classes"); ok {
		if err := json.Unmarshal([]byte(v), &classes); err != nil {
			return nil, "", fmt.Errorf("metadata triage.classes is not a JSON array of strings: %v", err)
		}
		return classes, ClassesFromMetadata, nil
	}
	if v, ok := md.GetValue("huggingface"); ok {
		names, err := huggingFaceClassNames(v, labelCol)
		if err != nil {
			return nil, "", err
		}
		if names != nil {
			return names, ClassesFromHuggingFace, nil
		}
	}
	return nil, "", nil
}

// huggingFaceClassNames reads ClassLabel names from the JSON the datasets
// library stores under the "huggingface" key. Versions differ: the features
// sit under "info" or "dataset_info", and lists are "Sequence" or "List".
func huggingFaceClassNames(meta, labelCol string) ([]string, error) {
	var doc struct {
		Info        *struct{ Features map[string]json.RawMessage } `json:"info"`
		DatasetInfo *struct{ Features map[string]json.RawMessage } `json:"dataset_info"`
	}
	if err := json.Unmarshal([]byte(meta), &doc); err != nil {
		return nil, fmt.Errorf("metadata huggingface is not valid JSON: %v", err)
	}
	var features map[string]json.RawMessage
	switch {
	case doc.Info != nil:
		features = doc.Info.Features
	case doc.DatasetInfo != nil:
		features = doc.DatasetInfo.Features
	}
	if raw, ok := features[labelCol]; ok && labelCol != "" {
		return findClassLabel(raw), nil
	}
	// No label column by that name: take the only ClassLabel there is
	// (detection datasets keep it inside their list of objects).
	keys := make([]string, 0, len(features))
	for k := range features {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var found []string
	for _, k := range keys {
		if names := findClassLabel(features[k]); names != nil {
			if found != nil {
				return nil, nil // ambiguous: let the caller fall back
			}
			found = names
		}
	}
	return found, nil
}

// findClassLabel returns the names of the first ClassLabel in a feature,
// looking through Sequence/List wrappers and struct fields.
func findClassLabel(raw json.RawMessage) []string {
	var f struct {
		Type    string          `json:"_type"`
		Names   []string        `json:"names"`
		Feature json.RawMessage `json:"feature"`
	}
	if json.Unmarshal(raw, &f) == nil && f.Type != "" {
		switch f.Type {
		case "ClassLabel":
			return f.Names
		case "Sequence", "List", "LargeList":
			if f.Feature != nil {
				return findClassLabel(f.Feature)
			}
		}
		return nil
	}
	// A dict of sub-features (a struct), or a one-element list of them.
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) == nil {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if names := findClassLabel(fields[k]); names != nil {
				return names
			}
		}
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && len(list) == 1 {
		return findClassLabel(list[0])
	}
	return nil
}
