package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/geul-dev/geul/internal/corpus"
)

func main() {
	n, _ := strconv.Atoi(os.Args[2])
	st, err := corpus.Generate(os.Args[1], corpus.Options{Posts: n, Seed: 1})
	fmt.Println(st, err)
}
