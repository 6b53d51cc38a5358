import Chemistry
import Foundation
import Testing
@testable import Reports

@Suite struct CSVTableTests {
    @Test func readsQuotedFieldsByColumnName() throws {
        let text = "\u{FEFF}name,value,note\r\n"
            + "plain,1.5,\r\n"
            + "\"with, comma\",2,\"say \"\"hi\"\"\"\r\n"
            + "\n"
            + "\"two\nlines\",3e2,x\n"
            + "last,-4,\"\""
        let table = try CSVTable(text: text, file: "t.csv")
        #expect(table.header == ["name", "value", "note"])
        #expect(table.records.count == 4)
        let r = table.records
        #expect(try r[0].string("name") == "plain")
        #expect(try r[0].optionalDouble("note") == nil)
        #expect(try r[1].string("name") == "with, comma")
        #expect(try r[1].string("note") == "say \"hi\"")
        #expect(try r[1].int("value") == 2)
        #expect(try r[2].string("name") == "two\nlines")
        #expect(try r[2].double("value") == 300)
        #expect(try r[3].double("value") == -4)
        // Line numbers are where each row starts (the blank line 4 is skipped, the quoted newline counts).
        #expect(r.map(\.line) == [2, 3, 5, 7])
        #expect(r[0].optionalString("absent") == nil)
        #expect(try r[0].optionalBool("absent") == nil)
    }

    @Test func flagsAndIntegersWrittenAsFloats() throws {
        let table = try CSVTable(text: "a,b\ntrue,3.0\nNo,4\n", file: "f.csv")
        #expect(try table.records[0].optionalBool("a") == true)
        #expect(try table.records[1].optionalBool("a") == false)
        #expect(try table.records[0].int("b") == 3)
    }

    @Test func errorsNameTheFileLineAndColumn() throws {
        let cases: [(String, String)] = [
            ("a,b\n1,2\n3\n", "t.csv: line 3: has 1 fields, the header has 2"),
            ("a,b\n1,\"2\n", "t.csv: line 2: a quoted field is not closed before the end of the file"),
            ("a,b\n1,\"2\"x\n", "t.csv: line 2: unexpected 'x' after a closing quote"),
            ("a,b\n1,2\"x\n", "t.csv: line 2: a quote inside an unquoted field (quote the whole field)"),
            ("a,a\n1,2\n", "t.csv: line 1: column 'a' appears twice in the header"),
            ("a,,c\n", "t.csv: line 1: column 2 of the header is empty"),
            ("", "t.csv: is empty: no header row"),
        ]
        for (text, message) in cases {
            #expect(throws: DataError.self) { try CSVTable(text: text, file: "t.csv") }
            do { _ = try CSVTable(text: text, file: "t.csv") } catch {
                #expect("\(error)" == message)
            }
        }
    }

    @Test func cellErrorsNameLineAndColumn() throws {
        let table = try CSVTable(text: "variant,n\nreptile,10\nscratch,ten\nmultitask,\n", file: "results.csv")
        #expect(throws: DataError(file: "results.csv", item: "line 3, column n", "'ten' is not an integer")) {
            try table.records[1].int("n")
        }
        #expect(throws: DataError(file: "results.csv", item: "line 4, column n", "is empty")) {
            try table.records[2].int("n")
        }
        #expect(throws: DataError(file: "results.csv", item: "line 2", "no column 'seed'")) {
            try table.records[0].int("seed")
        }
        #expect(throws: DataError.self) { try table.require(columns: ["variant", "seed"]) }
        do { try table.require(columns: ["variant", "seed"]) } catch {
            #expect("\(error)".hasPrefix("results.csv: line 1: missing column(s) seed"))
        }
    }

    @Test func missingFileIsADataError() {
        let url = URL(fileURLWithPath: "/nonexistent/results.csv")
        #expect(throws: DataError.self) { try CSVTable(contentsOf: url) }
    }
}
