package fetch

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchPage is a full page of 5000 subsidy-like rows of 46 columns, a third of them filled.
func benchPage() []byte {
	items := make([]map[string]any, 5000)
	for i := range items {
		m := map[string]any{}
		for j := 0; j < 46; j++ {
			if j%3 == 0 {
				m[fmt.Sprintf("p%03d_vaar", j)] = fmt.Sprint(i * j)
			} else {
				m[fmt.Sprintf("p%03d_vaar", j)] = nil
			}
		}
		items[i] = m
	}
	b, _ := json.Marshal(map[string]any{"items": items, "next_page_token": "abc"})
	return b
}

func BenchmarkDecodePage(b *testing.B) {
	body := benchPage()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := DecodePage(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPage(b *testing.B) {
	body := benchPage()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := checkPage(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePageColumns keeps 7 of the page's 46 columns, as landing a subsidy year does.
func BenchmarkDecodePageColumns(b *testing.B) {
	body := benchPage()
	cols := []string{"p000_vaar", "p003_vaar", "p006_vaar", "p009_vaar", "p012_vaar", "p015_vaar", "p018_vaar"}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := DecodePageColumns(body, cols); err != nil {
			b.Fatal(err)
		}
	}
}
