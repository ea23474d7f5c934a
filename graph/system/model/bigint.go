package model

import (
	"fmt"
	"io"
	"strconv"
)

// BigInt is Directus's GraphQLBigInt: an int64 written as a JSON string so
// JavaScript clients never lose precision.
type BigInt int64

// MarshalGQL writes the number as a string.
func (b BigInt) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(strconv.FormatInt(int64(b), 10)))
}

// UnmarshalGQL accepts a string or a number.
func (b *BigInt) UnmarshalGQL(v any) error {
	switch t := v.(type) {
	case string:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return fmt.Errorf("GraphQLBigInt: %q is not an integer", t)
		}
		*b = BigInt(n)
	case int64:
		*b = BigInt(t)
	case int:
		*b = BigInt(t)
	default:
		return fmt.Errorf("GraphQLBigInt: %T is not an integer", v)
	}
	return nil
}
