import Foundation
import Testing
import VaultCore
import VaultStoreSQLite
import VaultCrypto
import VaultTestSupport

fileprivate func jsonObject(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

fileprivate extension TestPractice {
    /// Adds client user `user` for `client` and has it acknowledge agreement `aid`.
    func acknowledge(_ aid: String, client: String, user: String = "jordan") throws {
        try addUser(user, role: "client", ["--client", client, "--recovery-key", recoveryKey])
        _ = try ok(user, ["agreement", "acknowledge", aid, "--yes"])
    }

    /// The agreement's stored bytes (sorted-key compact JSON), rebuilt from `agreement show`.
    func storedAgreementBytes(_ aid: String) throws -> [UInt8] {
        let shown = try run("rivera", ["--json", "agreement", "show", aid, "--purpose", "TREAT"])
        let body = try #require(jsonObject(shown)["body"])
        let data = try JSONSerialization.data(withJSONObject: body)
        return Array(try JSONDecoder().decode(AgreementBody.self, from: data).canonicalJSON())
    }
}

@Suite("agreement acknowledgement end to end")
struct AcknowledgementEndToEndTests {
    @Test("the client signs its own agreement; another client's user and a therapist get 77")
    func acknowledge() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let otherClient = try p.addClient(name: "Casey")
        let aid = try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        for (user, c) in [("jordan", client), ("casey", otherClient)] {
            try p.addUser(user, role: "client", ["--client", c, "--recovery-key", p.recoveryKey])
        }

        // Not acknowledged yet.
        let unsigned = jsonObject(try p.run("rivera", ["--json", "agreement", "show", aid, "--purpose", "TREAT"]))
        #expect((unsigned["acknowledgements"] as? [Any] ?? []).isEmpty)

        let ack = try p.run("jordan", ["agreement", "acknowledge", aid, "--yes"])
        #expect(ack.exitCode == 0, "\(ack.stderr)")
        // The client is shown the text it signs, then the acknowledgement.
        #expect(ack.stdout.hasPrefix("Confidentiality agreement\n"))
        #expect(ack.stdout.contains("harm-to-self: serious and imminent risk of harm to the client"))
        #expect(ack.stdout.contains("\nAcknowledged \(aid) (hash "))
        let row = try #require(try VaultFile.logRows(p.vault).last)
        #expect(row.action == "agreement.acknowledge" && row.actor == "jordan" && row.outcome == "success" && row.record == aid && row.client == client)

        let shown = try p.run("rivera", ["--json", "agreement", "show", aid, "--purpose", "TREAT"])
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        let acks = jsonObject(shown)["acknowledgements"] as? [[String: Any]] ?? []
        #expect(acks.count == 1)
        #expect(acks.first?["user"] as? String == "jordan")
        #expect(acks.first?["signatureValid"] as? Bool == true)
        #expect(acks.first?["matchesAgreement"] as? Bool == true)
        #expect((acks.first?["agreementHash"] as? String)?.count == 64)

        for user in ["casey", "rivera"] {
            let before = try VaultFile.logRows(p.vault).count
            let r = try p.run(user, ["agreement", "acknowledge", aid, "--yes"])
            #expect(r.exitCode == 77, "\(user)")
            #expect(r.stdout.isEmpty)
            // Refused at reading the text to acknowledge: one denied entry, nothing signed.
            let rows = try VaultFile.logRows(p.vault)
            #expect(rows.count == before + 1)
            #expect(rows.last?.action == "agreement.show" && rows.last?.actor == user && rows.last?.outcome == "denied")
        }
        let after = jsonObject(try p.run("rivera", ["--json", "agreement", "show", aid, "--purpose", "TREAT"]))
        #expect((after["acknowledgements"] as? [[String: Any]])?.compactMap { $0["user"] as? String } == ["jordan"])
    }

    @Test("the vault file holds no unkeyed hash of an acknowledged agreement; the signed hash is BLAKE2b keyed with the exported key", .sqliteOnly)
    func keyedHash() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let aid = try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        try p.acknowledge(aid, client: client)
        let text = try p.storedAgreementBytes(aid)
        let shown = jsonObject(try p.run("rivera", ["--json", "agreement", "show", aid, "--purpose", "TREAT"]))
        let ack = try #require((shown["acknowledgements"] as? [[String: Any]])?.first)
        let key = try Encoding.fromHex(ack["hashKey"] as? String ?? "")
        #expect(Encoding.hex(try BLAKE2b.hash(text, key: try SecretBytes(copying: key))) == ack["agreementHash"] as? String)
        // Neither the SHA-256 nor the unkeyed BLAKE2b of the text, nor the hash key, is anywhere on disk.
        for needle in [SHA256.hash(text), try BLAKE2b.hash(text), key] {
            for (file, bytes) in VaultFile.allBytes(p.vault) {
                #expect(bytes.range(of: Data(needle)) == nil, "\(file) holds \(Encoding.hex(needle))")
            }
        }
    }

    @Test("after the client's key rotates the acknowledgement still verifies and matches")
    func survivesRotation() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let aid = try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        try p.acknowledge(aid, client: client)
        #expect(try p.run("rivera", ["key", "rotate", "--client", client]).exitCode == 0)
        let shown = jsonObject(try p.run("rivera", ["--json", "agreement", "show", aid, "--purpose", "TREAT"]))
        let ack = try #require((shown["acknowledgements"] as? [[String: Any]])?.first)
        #expect(ack["signatureValid"] as? Bool == true)
        #expect(ack["matchesAgreement"] as? Bool == true)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }
}
