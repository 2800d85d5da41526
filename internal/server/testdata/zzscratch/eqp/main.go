package main

import (
	"database/sql"
	"fmt"
	"os"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	db, _ := sql.Open("sqlite3", "file:"+os.Args[1]+"?mode=ro")
	rows, err := db.Query("EXPLAIN QUERY PLAN "+os.Args[2], toAny(os.Args[3:])...)
	if err != nil {
		panic(err)
	}
	for rows.Next() {
		var a, b, c int
		var d string
		rows.Scan(&a, &b, &c, &d)
		fmt.Println(a, b, d)
	}
}

func toAny(s []string) []any {
	var out []any
	for _, x := range s {
		out = append(out, x)
	}
	return out
}
