package config

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// Struct tags read by the loader (the only one: tests, the binary and the
// generated reference in docs/configuration.md all walk the same fields):
//
//	env:"NAME[,keepempty]"  the variable; keepempty: set empty, it stays empty (unset takes the default)
//	envDefault:"V"          the default, used when the variable is unset or empty
//	envSeparator:","        for lists
//	envPrefix:"P_"          on a nested struct: prefix of its variables
//	defaults:"NAME=V;…"     on a nested struct: defaults of its fields, by unprefixed name
//	min:"V" max:"V"         bounds, checked at start, in the field's own syntax
//	secret:"true"           never echoed; may also be given as NAME_FILE
//	docDefault:"text"       the default as the reference shows it, when computed at start

// setting is one variable: a leaf field of Config.
type setting struct {
	Name       string
	Default    string
	DocDefault string
	KeepEmpty  bool
	Secret     bool
	Min, Max   string
	Sep        string
	Type       reflect.Type // the field's type
	Owner      reflect.Type // the struct declaring the field (for its comment)
	Field      string       // the Go field name
	Parent     string       // the Go field name of the prefixed struct holding it, if any
	index      []int
}

// settings lists every variable of Config, in declaration order.
func settings() []setting { return walk(reflect.TypeFor[Config](), nil, "", "", nil) }

func walk(t reflect.Type, index []int, prefix, parent string, defaults map[string]string) []setting {
	var out []setting
	for i := range t.NumField() {
		f := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" {
			p, d := parent, defaults
			if pre := f.Tag.Get("envPrefix"); pre != "" {
				p, d = f.Name, parseDefaults(f.Tag.Get("defaults"))
			}
			out = append(out, walk(f.Type, idx, prefix+f.Tag.Get("envPrefix"), p, d)...)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("env"), ",")
		if name == "" {
			continue
		}
		s := setting{Name: prefix + name, KeepEmpty: opts == "keepempty", Secret: f.Tag.Get("secret") == "true",
			Min: f.Tag.Get("min"), Max: f.Tag.Get("max"), Sep: f.Tag.Get("envSeparator"), DocDefault: f.Tag.Get("docDefault"),
			Type: f.Type, Owner: t, Field: f.Name, Parent: parent, index: idx}
		s.Default = f.Tag.Get("envDefault")
		if v, ok := defaults[name]; ok {
			s.Default = v
		}
		if s.Sep == "" {
			s.Sep = ","
		}
		out = append(out, s)
	}
	return out
}

func parseDefaults(tag string) map[string]string {
	m := map[string]string{}
	for kv := range strings.SplitSeq(tag, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// environMap reads environ (os.Environ() form) and replaces NAME by the
// contents of NAME_FILE for every secret setting.
func environMap(environ []string, all []setting) (map[string]string, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	var errs []error
	for _, s := range all {
		path := vars[s.Name+"_FILE"]
		if !s.Secret || path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s_FILE: cannot read %s: %w", s.Name, path, errors.Unwrap(err)))
			continue
		}
		vars[s.Name] = strings.TrimRight(string(b), "\r\n")
	}
	return vars, errors.Join(errs...)
}

// fill sets every field of c from vars, checks each value against its type,
// its bounds and for control characters, and returns one error per variable,
// each naming it.
func fill(c *Config, vars map[string]string, all []setting) error {
	var errs []error
	root := reflect.ValueOf(c).Elem()
	for _, s := range all {
		raw, set := vars[s.Name]
		if raw == "" && !(set && s.KeepEmpty) {
			raw = s.Default
		}
		if raw == "" {
			continue
		}
		if err := s.set(root.FieldByIndex(s.index), raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// set parses raw into v. Errors never contain a secret's value.
func (s setting) set(v reflect.Value, raw string) error {
	if err := s.checkText(raw); err != nil {
		return err
	}
	if reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
			return err
		}
		return s.checkBounds(v, raw)
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := parseBool(raw)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Pointer: // *bool: unset means "derive it"
		b, err := parseBool(raw)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(&b))
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return fmt.Errorf("%s is not a whole number%s", s.shown(raw), s.rangeText())
		}
		v.SetInt(n)
	case reflect.Uint8, reflect.Uint32:
		n, err := strconv.ParseUint(strings.TrimSpace(raw), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s is not a whole number%s", s.shown(raw), s.rangeText())
		}
		v.SetUint(n)
	case reflect.Slice:
		parts := strings.Split(raw, s.Sep)
		v.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported type %s", v.Type()) // a programming error, caught by the tests
	}
	return s.checkBounds(v, raw)
}

func parseBool(raw string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(raw))
	if err != nil {
		return false, errors.New("must be true or false")
	}
	return b, nil
}

// checkText refuses control characters: no setting has a use for them, and a
// stray newline or NUL (a binary file given as NAME_FILE) fails far from its
// cause. Secrets, being opaque, only refuse NUL, which no environment can carry.
func (s setting) checkText(raw string) error {
	for _, r := range raw {
		if r == 0 || (!s.Secret && (r < 0x20 || r == 0x7f)) {
			return errors.New("must not contain control characters")
		}
	}
	return nil
}

// shown is how an error message quotes a value: secrets never appear.
func (s setting) shown(raw string) string {
	if s.Secret {
		return "the value"
	}
	return strconv.Quote(raw)
}

// checkBounds compares a numeric value with the field's min and max tags.
func (s setting) checkBounds(v reflect.Value, raw string) error {
	if s.Min == "" && s.Max == "" {
		return nil
	}
	n := numberOf(v)
	lo, hi := math.Inf(-1), math.Inf(1)
	if s.Min != "" {
		lo = s.bound(s.Min)
	}
	if s.Max != "" {
		hi = s.bound(s.Max)
	}
	if n >= lo && n <= hi {
		return nil
	}
	msg := fmt.Sprintf("%s is out of range: must be%s", s.shown(raw), s.rangeText())
	if s.Type == reflect.TypeFor[Duration]() && isBareNumber(raw) {
		msg += fmt.Sprintf(" (a bare number counts milliseconds: %s is %s; write e.g. %ss or %sm)",
			raw, Duration(v.Int()).D(), strings.TrimSpace(raw), strings.TrimSpace(raw))
	}
	return errors.New(msg)
}

func (s setting) rangeText() string {
	switch {
	case s.Min != "" && s.Max != "":
		return fmt.Sprintf(" between %s and %s", s.Min, s.Max)
	case s.Min != "":
		return fmt.Sprintf(" at least %s", s.Min)
	case s.Max != "":
		return fmt.Sprintf(" at most %s", s.Max)
	}
	return ""
}

// bound parses a min or max tag in the field's own syntax.
func (s setting) bound(tag string) float64 {
	v := reflect.New(s.Type).Elem()
	if err := s.set0(v, tag); err != nil {
		panic(fmt.Sprintf("config: bad bound %q on %s: %v", tag, s.Name, err))
	}
	return numberOf(v)
}

// set0 parses a bound without checking bounds (which would recurse).
func (s setting) set0(v reflect.Value, raw string) error {
	t := s
	t.Min, t.Max = "", ""
	return t.set(v, raw)
}

func numberOf(v reflect.Value) float64 {
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint8, reflect.Uint32:
		return float64(v.Uint())
	}
	panic("config: min/max on a non-numeric field " + v.Type().String())
}

func isBareNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}
