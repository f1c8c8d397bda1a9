package tabular

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReader reads two files each way — split directly where a record allows it
// ("direct"), and every record through encoding/csv ("csv") — side by side:
//
//   - register: 200,000 rows of eight fields, every name quoted with a comma in it (14 MB);
//   - subsidy: 100,000 rows of 196 mostly empty columns as in Landbruksdirektoratet's
//     files, one name in a hundred quoted (25 MB).
func BenchmarkReader(b *testing.B) {
	var reg strings.Builder
	reg.WriteString("produsentnr,orgnr,navn,telefon,epost,kommunenr,dyrehold_id,merknad\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&reg, "%d,9030%05d,\"Berg, Ola %d\",+47 912 34 567,ola%d@gard.no,3401,%07d,\n", 3000000000+i, i, i, i, i)
	}
	var sub strings.Builder
	sub.WriteString("soeknads_aar,saksbehandlende_kommune,orgnr,orgnavn,kommunenr")
	for i := 5; i < 196; i++ {
		fmt.Fprintf(&sub, ",p%d_vaar", 100+i)
	}
	sub.WriteString("\n")
	for i := 0; i < 100000; i++ {
		name := fmt.Sprintf("OLA BERG %d", i)
		if i%100 == 0 {
			name = fmt.Sprintf("\"BERG, OLA %d\"", i)
		}
		fmt.Fprintf(&sub, "2024,3401,9030%05d,%s,3401", i, name)
		for c := 5; c < 196; c++ {
			if c%40 == 0 {
				fmt.Fprintf(&sub, ",%d", i%300)
			} else {
				sub.WriteString(",")
			}
		}
		sub.WriteString("\n")
	}
	files := []struct {
		name string
		in   string
		rows int
	}{{"register", reg.String(), 200000}, {"subsidy", sub.String(), 100000}}
	for _, f := range files {
		for _, way := range []struct {
			name string
			slow bool
		}{{"direct", false}, {"csv", true}} {
			b.Run(f.name+"/"+way.name, func(b *testing.B) {
				b.SetBytes(int64(len(f.in)))
				for b.Loop() {
					r, err := NewReader(strings.NewReader(f.in))
					if err != nil {
						b.Fatal(err)
					}
					r.slow = way.slow
					n := 0
					for r.Next() {
						if r.Record().Err != nil {
							b.Fatal(r.Record().Err)
						}
						n++
					}
					if n != f.rows || r.Err() != nil {
						b.Fatalf("%d records, %v", n, r.Err())
					}
				}
			})
		}
	}
}
