// Package importer imports the tables the programme's agencies keep in
// spreadsheets — the summary table of applications (项目申报信息汇总表),
// screening and review results, the approved list, fund tranches and
// quarterly metrics — from CSV (UTF-8 with or without a byte-order mark,
// or GB18030 as Excel in China saves it) or XLSX.
//
// An import reads every row, checks each cell (amounts with
// ledger.ParseMoney, dates, credit codes with ledger.ValidateCreditCode,
// enumerations by their Chinese labels or API names), then each row
// against the ledger as the stored records and the earlier rows of the
// file leave it (the same pure rules the store applies: ledger.CheckPayment,
// ledger.CheckScorecard, ledger.ApplyStageEvent, the records' Validate)
// and against the publishing policy (ledger.Authorize) for the importing
// actor. It reports every refused row with its sheet, row, column and
// reason in Chinese and English. Unless the run is dry or a row was
// refused, it writes all the rows in one transaction through Services,
// the use cases of each kind of row, so the whole table is recorded or
// none of it is. docs/import.md describes the kinds and their columns.
package importer
