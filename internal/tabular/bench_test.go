package tabular

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReader reads a CSV file of 200,000 rows of eight fields (about 14 MB).
func BenchmarkReader(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("produsentnr,orgnr,navn,telefon,epost,kommunenr,dyrehold_id,merknad\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&sb, "%d,9030%05d,\"Berg, Ola %d\",+47 912 34 567,ola%d@gard.no,3401,%07d,\n", 3000000000+i, i, i, i, i)
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := NewReader(strings.NewReader(in))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for r.Next() {
			n++
		}
		if n != 200000 || r.Err() != nil {
			b.Fatalf("%d records, %v", n, r.Err())
		}
	}
}
