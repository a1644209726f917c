package table

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/human2/hds/collectors"
	"github.com/human2/hds/record"
)

func TestJSONLExport(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "export-000.jsonl.gz")
	f, _ := os.Create(p)
	zw := gzip.NewWriter(f)
	zw.Write([]byte(`{"repo_name":"a/b","path":"x.py","content":"print(1)\n","stars":12,"topics":{"list":[{"item":"cli"},{"item":"json"}]}}
{"repo_name":"a/c","path":"y.py","content":"","stars":1}
not json
{"repo_name":"a/d","path":"z.py","content":"x = 2\n","license":{"spdx":"MIT"}}
`))
	zw.Close()
	f.Close()
	m, err := ParseMap("id=path,code=content,title=repo_name,license=license.spdx")
	if err != nil {
		t.Fatal(err)
	}
	root := collectors.TestRoot(t)
	c := &Collector{Paths: []string{p}, Map: m, Source: "github_bq"}
	sum, err := collectors.Run(context.Background(), c, collectors.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 2 || len(sum.Errors) != 2 || !strings.Contains(sum.Errors[0], p+":2: empty content") || !strings.Contains(sum.Errors[1], p+":3:") {
		t.Fatalf("summary %+v", sum)
	}
	recs := collectors.TestRecords(t, root, "github_bq")
	r := recs["github_bq:x.py"]
	if r == nil || r.Code != "print(1)\n" || r.Title != "a/b" || r.Kind != record.KindRow {
		t.Fatalf("record %+v", r)
	}
	if topics := r.Meta["topics"].([]any); len(topics) != 2 || topics[1] != "json" || r.Meta["stars"].(float64) != 12 {
		t.Fatalf("meta %v", r.Meta)
	}
	if recs["github_bq:z.py"].Provenance.License != "MIT" {
		t.Fatal("nested column mapping")
	}
	sum, _ = collectors.Run(context.Background(), c, collectors.Options{Root: root})
	if sum.Skipped["unchanged file"] != 1 {
		t.Fatalf("re-run %+v", sum)
	}
}

type bqRow struct {
	ID    string   `parquet:"id"`
	Body  string   `parquet:"body"`
	Score int64    `parquet:"score"`
	Tags  []string `parquet:"tags,list"`
}

func TestParquetExport(t *testing.T) {
	p := filepath.Join(t.TempDir(), "posts.parquet")
	f, _ := os.Create(p)
	if err := parquet.Write(f, []bqRow{{"1", "How to sort?", 5, []string{"python"}}, {"2", "Why?", 1, nil}}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	root := collectors.TestRoot(t)
	sum, err := collectors.Run(context.Background(), &Collector{Paths: []string{p}, Map: map[string]string{"id": "id", "text": "body"}}, collectors.Options{Root: root})
	if err != nil || sum.Added != 2 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	r := collectors.TestRecords(t, root, "bigquery")["bigquery:1"]
	if r == nil || r.Text != "How to sort?" || r.Meta["score"].(float64) != 5 || r.Meta["tags"].([]any)[0] != "python" {
		t.Fatalf("record %+v", r)
	}
}

func TestParseMap(t *testing.T) {
	if _, err := ParseMap("id=a,cod=b"); err == nil {
		t.Fatal("unknown field accepted")
	}
	if _, err := collectors.Run(context.Background(), &Collector{Paths: []string{"x"}, Map: map[string]string{"id": "a"}}, collectors.Options{Root: collectors.TestRoot(t)}); err == nil {
		t.Fatal("no code/text mapping accepted")
	}
}
