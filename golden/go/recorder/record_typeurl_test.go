//go:build recorder

package server

// Records typeurl v1.0.2 on the four runtime option types: TypeURL, MarshalAny (gogo's generated
// Marshal underneath) and UnmarshalAny (gogo's generated Unmarshal, with its errors), on
// hand-made wire bytes around every edge of the decoder plus seeded random values and mutations.

import (
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"testing"

	runhcsoptions "github.com/Microsoft/hcsshim/cmd/containerd-shim-runhcs-v1/options"
	"github.com/containerd/containerd/runtime/linux/runctypes"
	runcoptions "github.com/containerd/containerd/runtime/v2/runc/options"
	runtimeoptions "github.com/containerd/containerd/pkg/runtimeoptions/v1"
	"github.com/containerd/typeurl"
	"github.com/gogo/protobuf/types"
)

// tuTypes are the option structs with the Go name the TypeURL cases use for them.
var tuTypes = []struct {
	goName string
	zero   func() interface{}
}{
	{"runcoptions.Options", func() interface{} { return &runcoptions.Options{} }},
	{"runctypes.RuncOptions", func() interface{} { return &runctypes.RuncOptions{} }},
	{"runhcsoptions.Options", func() interface{} { return &runhcsoptions.Options{} }},
	{"runtimeoptions.Options", func() interface{} { return &runtimeoptions.Options{} }},
}

// tuFields lists a struct's fields by Go name, as record_runtimeoptions_test.go does.
func tuFields(v interface{}) map[string]interface{} {
	rv := reflect.ValueOf(v).Elem()
	out := map[string]interface{}{}
	for i := 0; i < rv.NumField(); i++ {
		f, fv := rv.Type().Field(i), rv.Field(i)
		switch {
		case f.Name == "XXX_NoUnkeyedLiteral":
		case f.Name == "XXX_unrecognized":
			if fv.IsNil() {
				out[f.Name] = nil
			} else {
				out[f.Name] = hex.EncodeToString(fv.Bytes())
			}
		case fv.Kind() == reflect.Bool:
			out[f.Name] = fv.Bool()
		case fv.Kind() == reflect.String:
			out[f.Name] = gs(fv.String())
		case fv.Kind() == reflect.Int32:
			out[f.Name] = fv.Int()
		case fv.Kind() == reflect.Uint32:
			out[f.Name] = fv.Uint()
		default:
			panic("unexpected field " + f.Name)
		}
	}
	return out
}

func tuVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func tuTag(b []byte, field uint64, wireType uint64) []byte { return tuVarint(b, field<<3|wireType) }

func TestRecordTypeurl(t *testing.T) {
	rec := newRecording("typeurl")

	for _, ty := range tuTypes {
		url, err := typeurl.TypeURL(ty.zero())
		rec.result("TypeURL", ty.goName, url, err)
	}

	marshal := func(v interface{}) {
		url, _ := typeurl.TypeURL(v)
		any, err := typeurl.MarshalAny(v)
		var out interface{}
		if err == nil {
			out = map[string]interface{}{"typeUrl": any.TypeUrl, "value": hex.EncodeToString(any.Value)}
		}
		rec.result("MarshalAny", map[string]interface{}{"typeUrl": url, "fields": tuFields(v)}, out, err)
	}
	unmarshal := func(url string, value []byte) {
		v, err := typeurl.UnmarshalAny(&types.Any{TypeUrl: url, Value: value})
		var out interface{}
		if err == nil {
			again, merr := typeurl.MarshalAny(v)
			if merr != nil {
				t.Fatal(merr)
			}
			resultURL, _ := typeurl.TypeURL(v)
			out = map[string]interface{}{"typeUrl": resultURL, "fields": tuFields(v), "any": hex.EncodeToString(again.Value)}
		}
		rec.result("UnmarshalAny", map[string]interface{}{"typeUrl": gs(url), "value": hex.EncodeToString(value)}, out, err)
	}

	// MarshalAny: zero values, edges, and random values with unknown fields (malformed ones too:
	// Marshal copies XXX_unrecognized as it is).
	g := newGen(1801)
	for _, ty := range tuTypes {
		marshal(ty.zero())
		edge := ty.zero()
		rv := reflect.ValueOf(edge).Elem()
		for i := 0; i < rv.NumField(); i++ {
			fv := rv.Field(i)
			switch fv.Kind() {
			case reflect.Bool:
				fv.SetBool(true)
			case reflect.String:
				fv.SetString("\u00e9\U0001f600\x00\ufeff")
			case reflect.Int32:
				fv.SetInt(-1 << 31)
			case reflect.Uint32:
				fv.SetUint(1<<32 - 1)
			case reflect.Slice:
				fv.SetBytes([]byte{0xff, 0x00, 0x0c})
			}
		}
		marshal(edge)
		for i := 0; i < 40; i++ {
			v := ty.zero()
			tuRandomStruct(g, v)
			if g.intn(4) == 0 {
				if f := reflect.ValueOf(v).Elem().FieldByName("XXX_unrecognized"); f.IsValid() {
					f.SetBytes([]byte(g.stringFrom(concat(hexChars, invalidUTF8, controlSet), 6)))
				}
			}
			marshal(v)
		}
	}

	// UnmarshalAny: type URLs that are not found.
	for _, url := range []string{
		"", "containerd.runc.v1.options", "type.googleapis.com/containerd.runc.v1.Options", "containerd.runc.v2.Options",
		"/containerd.runc.v1.Options", "containerd.runc.v1.Options ", "runtimeoptions.v1", "RuntimeOptions", "\xff", "é",
	} {
		unmarshal(url, []byte{8, 1})
	}

	// Wire bytes around every edge of the generated decoders, for each type.
	for _, ty := range tuTypes {
		url, _ := typeurl.TypeURL(ty.zero())
		fields := reflect.TypeOf(ty.zero()).Elem()
		var cases [][]byte
		add := func(parts ...[]byte) {
			var b []byte
			for _, p := range parts {
				b = append(b, p...)
			}
			cases = append(cases, b)
		}
		h := func(s string) []byte {
			b, err := hex.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		for _, s := range []string{
			"", "00", "07", "04", "0c", "80", "8080", "ffffffffffffffffffff01", "ffffffffffffffffffff7f",
			"ffffffffffffffffffff80", "ffffffffffffffffff", "f8ffffff0f00", "f8ffffff07", "8080808010", "0b", "0e", "0f",
			"0a", "0a00", "0d", "09", "1a8080808080808080807f",
		} {
			add(h(s))
		}
		// Field numbers beyond int32 wrap: 2^32+1 reads as field 1, 2^31 as a negative one.
		add(tuTag(nil, 1<<32+1, 0), h("01"))
		add(tuTag(nil, 1<<32+1, 2), h("0161"))
		add(tuTag(nil, 1<<31, 0), h("01"))
		add(tuTag(nil, 1<<29-1, 0), h("01"))
		for i := 0; i < fields.NumField(); i++ {
			f := fields.Field(i)
			if f.Tag.Get("protobuf") == "" {
				continue
			}
			num, err := strconv.ParseUint(strings.Split(f.Tag.Get("protobuf"), ",")[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			right := uint64(0)
			if f.Type.Kind() == reflect.String {
				right = 2
			}
			for wt := uint64(0); wt < 8; wt++ {
				if wt != right {
					add(tuTag(nil, num, wt), h("0101010101010101"))
				}
			}
			if right == 0 {
				for _, v := range []string{"00", "01", "7f", "8001", "ffffffff0f", "ffffffff07", "8080808008", "8080808010",
					"ffffffffffffffffff01", "80808080808080808001", "80808080808080808002", "8080808080808080807f",
					"ffffffffffffffffff7f", "ffffffffffffffffff80", "ff", "feffffffffffffffff01", "8180808010"} {
					add(tuTag(nil, num, 0), h(v))
				}
			} else {
				for _, v := range []string{"00", "0161", "03616263", "0361", "05616263", "0280", "02c328", "03efbbbf",
					"80808080808080808001", "ffffffffffffffff7f61", "8080808080804061", "ffffffffffffffffff0161", "ff"} {
					add(tuTag(nil, num, 2), h(v))
				}
			}
			// The same field twice: the last one wins.
			if right == 0 {
				add(tuTag(nil, num, 0), h("01"), tuTag(nil, num, 0), h("02"))
			} else {
				add(tuTag(nil, num, 2), h("0161"), tuTag(nil, num, 2), h("0162"))
			}
		}
		// Unknown fields: kept (where the struct has XXX_unrecognized) and written back last.
		unknown := uint64(100)
		for _, parts := range [][][]byte{
			{tuTag(nil, unknown, 0), h("05")},
			{tuTag(nil, unknown, 0), h("ff")},
			{tuTag(nil, unknown, 0), h("ffffffffffffffffffff01")},
			{tuTag(nil, unknown, 0), h("ffffffffffffffffffff80")},
			{tuTag(nil, unknown, 1), h("0102030405060708")},
			{tuTag(nil, unknown, 1), h("01020304050607")},
			{tuTag(nil, unknown, 2), h("03616263")},
			{tuTag(nil, unknown, 2), h("0561")},
			{tuTag(nil, unknown, 2), h("80808080808080808001")},
			{tuTag(nil, unknown, 2), h("ffffffffffffffff7f61")},
			{tuTag(nil, unknown, 2), h("ffffffffffffffff3f61")},
			{tuTag(nil, unknown, 2), h("ffffffffffffffff")},
			{tuTag(nil, unknown, 3), tuTag(nil, unknown, 4)},
			{tuTag(nil, unknown, 3), tuTag(nil, 7, 4)},
			{tuTag(nil, unknown, 3)},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 0), h("01"), tuTag(nil, 2, 2), h("0161"), tuTag(nil, unknown, 4)},
			{tuTag(nil, unknown, 3), tuTag(nil, 5, 3), tuTag(nil, 6, 5), h("01020304"), tuTag(nil, 5, 4), tuTag(nil, unknown, 4)},
			{tuTag(nil, unknown, 3), tuTag(nil, 5, 3), tuTag(nil, unknown, 4)},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 6), tuTag(nil, unknown, 4)},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 1), h("0102")},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 2), h("80808080808080808001")},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 2), h("ffffffffffffffff7f")},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 2), h("05")},
			{tuTag(nil, unknown, 3), tuTag(nil, 1, 0)},
			{tuTag(nil, unknown, 3), h("ffffffffffffffffffff80")},
			{tuTag(nil, unknown, 5), h("01020304")},
			{tuTag(nil, unknown, 5), h("010203")},
			{tuTag(nil, unknown, 6), h("01")},
			{tuTag(nil, unknown, 7)},
			{tuTag(nil, 1<<29-1, 2), h("00")},
			{tuTag(nil, 1, 0), h("01"), tuTag(nil, unknown, 0), h("05"), tuTag(nil, 2, 0), h("01"), tuTag(nil, unknown+1, 2), h("0178")},
		} {
			add(parts...)
		}
		for _, b := range cases {
			unmarshal(url, b)
		}
	}

	// Random values, then random damage: truncation, changed bytes, inserted bytes.
	mg := newGen(1802)
	for i := 0; i < 320; i++ {
		ty := tuTypes[mg.intn(len(tuTypes))]
		v := ty.zero()
		tuRandomStruct(mg, v)
		any, err := typeurl.MarshalAny(v)
		if err != nil {
			t.Fatal(err)
		}
		b := append([]byte(nil), any.Value...)
		for n := mg.intn(3); n > 0 && len(b) > 0; n-- {
			at := mg.intn(len(b))
			switch mg.intn(4) {
			case 0:
				b = b[:at]
			case 1:
				b[at] = byte(mg.intn(256))
			case 2:
				b = append(b[:at], append([]byte{byte(mg.intn(256))}, b[at:]...)...)
			default:
				b[at] ^= 0x80
			}
		}
		unmarshal(any.TypeUrl, b)
	}

	rec.write(t)
}

var tuEdgeInts = []int64{0, 1, -1, 7, 127, 128, 255, 256, 65535, 1 << 31, 1<<31 - 1, -1 << 31, 1 << 32, 1<<32 - 1, 1000}

// tuRandomStruct fills an option struct with random values, unknown wire fields included.
func tuRandomStruct(g *gen, v interface{}) {
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f, fv := rv.Type().Field(i), rv.Field(i)
		if g.intn(3) == 0 {
			continue
		}
		switch {
		case f.Name == "XXX_NoUnkeyedLiteral":
		case f.Name == "XXX_unrecognized":
			if g.intn(2) == 0 {
				var b []byte
				for n := 1 + g.intn(3); n > 0; n-- {
					b = tuTag(b, uint64(16+g.intn(2000)), 0)
					b = tuVarint(b, uint64(g.r.Int63()))
				}
				fv.SetBytes(b)
			}
		case fv.Kind() == reflect.Bool:
			fv.SetBool(g.intn(2) == 0)
		case fv.Kind() == reflect.String:
			fv.SetString(g.stringFrom(concat(lowerAlnum, refPunct, controlSet, unicodeSet), 12))
		case fv.Kind() == reflect.Int32:
			fv.SetInt(int64(int32(tuEdgeInts[g.intn(len(tuEdgeInts))]) + int32(g.intn(3)-1)))
		case fv.Kind() == reflect.Uint32:
			fv.SetUint(uint64(uint32(tuEdgeInts[g.intn(len(tuEdgeInts))]) + uint32(g.intn(3))))
		}
	}
}
