package statement_test

import (
	"fmt"
	"strings"

	"unionhall/internal/dues/statement"
)

// A bank's CSV export, described once by a Mapping; the treasurer's
// settings would hold it per bank.
func ExampleParseCSV() {
	export := "Datum;Objem;Měna;VS;Zpráva pro příjemce\n" +
		"03.11.2026;1 500,00;CZK;1002;Příspěvky 8–10/2026\n" +
		"12.11.2026;300,00;CZK;;VS:1004 listopad\n"
	m := statement.Mapping{Date: 1, Amount: 2, Currency: 3, VS: 4, Message: 5, Comma: ';', DecimalComma: true, SkipRows: 1}
	st, err := statement.ParseCSV(strings.NewReader(export), statement.Options{Mapping: m})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range st.Transactions {
		fmt.Println(t.Date.Format("2006-01-02"), t.Amount, t.Currency, t.VS, t.VSSource)
	}
	// Output:
	// 2026-11-03 150000 CZK 1002 field
	// 2026-11-12 30000 CZK 1004 unstructured
}

// A refusal carries a code for the web layer's cs/en text and a position.
func ExampleError() {
	_, err := statement.Parse(strings.NewReader(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>`+
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>`), statement.Options{})
	if e, ok := err.(*statement.Error); ok {
		fmt.Println(e.Code, e.Line)
	}
	// Output: doctype 1
}
