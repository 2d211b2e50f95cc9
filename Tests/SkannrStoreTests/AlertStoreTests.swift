// AlertStore against a real database: filters and keyset pages, the contract's state machine with
// timestamps set once, scoping to the account, a concurrent acknowledge vs resolve, and that the
// list queries use the (user_id, <filter>, id) indexes without a filesort.
import Foundation
import MariaDB
import SkannrCore
@testable import SkannrStore
import Testing
import TestSupport

@Suite("Alert store", .needsDatabase)
struct AlertStoreTests {
    let f: ProgressFixture
    let account: Int64
    let target: Int64
    let scan: Int64
    var store: AlertStore { AlertStore(connection: f.db) }

    init() throws {
        f = try ProgressFixture()
        account = try f.account()
        target = try f.target(account)
        scan = try f.scan(account, target: target, finished: Date())
    }

    @Test("lists newest first in pages with filters combined")
    func listAndFilter() throws {
        var ids: [Int64] = []
        for i in 0..<7 {
            ids.append(try f.alert(account, target: target, scan: scan, type: i % 2 == 0 ? "new_port" : "closed_port",
                                   severity: i < 3 ? "critical" : "low", port: 1000 + i))
        }
        let other = try f.target(account, "203.0.113.11")
        let otherScan = try f.scan(account, target: other, finished: Date())
        let otherAlert = try f.alert(account, target: other, scan: otherScan, severity: "critical")

        var seen: [Int64] = []
        var after: Int64?
        repeat {
            let page = try store.list(accountID: account, filter: AlertFilter(), limit: 3, after: after)
            seen += page.items.map(\.id)
            after = page.nextCursor.flatMap(Cursor.decodeID)
            #expect(page.items.count <= 3)
        } while after != nil
        #expect(seen == ([otherAlert] + ids.reversed()))

        let critical = try store.list(accountID: account, filter: AlertFilter(severity: .critical), limit: 50, after: nil)
        #expect(critical.items.map(\.id) == [otherAlert, ids[2], ids[1], ids[0]])
        #expect(critical.nextCursor == nil)
        let mixed = try store.list(accountID: account, filter: AlertFilter(type: .newPort, severity: .critical, targetID: target),
                                   limit: 50, after: nil)
        #expect(mixed.items.map(\.id) == [ids[2], ids[0]])
        let byTarget = try store.list(accountID: account, filter: AlertFilter(targetID: other), limit: 50, after: nil)
        #expect(byTarget.items.map(\.id) == [otherAlert])
        #expect(byTarget.items.first?.details == ["port": .int(1)])
    }

    @Test("acknowledge then resolve sets each timestamp once; repeats are idempotent; acknowledging a resolved alert conflicts")
    func stateMachine() throws {
        let id = try f.alert(account, target: target, scan: scan)
        let t1 = Date(timeIntervalSince1970: 1_800_000_000), t2 = t1.addingTimeInterval(60), t3 = t2.addingTimeInterval(60)

        guard case .done(let acked, changed: true) = try store.acknowledge(accountID: account, id: id, now: t1) else {
            Issue.record("acknowledge failed"); return
        }
        #expect(acked.status == .acknowledged && acked.acknowledgedAt == t1 && acked.resolvedAt == nil)
        guard case .done(let again, changed: false) = try store.acknowledge(accountID: account, id: id, now: t2) else {
            Issue.record("repeat acknowledge failed"); return
        }
        #expect(again.acknowledgedAt == t1)

        guard case .done(let resolved, changed: true) = try store.resolve(accountID: account, id: id, now: t2) else {
            Issue.record("resolve failed"); return
        }
        #expect(resolved.status == .resolved && resolved.resolvedAt == t2 && resolved.acknowledgedAt == t1)
        guard case .done(let resolvedAgain, changed: false) = try store.resolve(accountID: account, id: id, now: t3) else {
            Issue.record("repeat resolve failed"); return
        }
        #expect(resolvedAgain.resolvedAt == t2)
        guard case .conflict(let conflicted) = try store.acknowledge(accountID: account, id: id, now: t3) else {
            Issue.record("acknowledging a resolved alert must conflict"); return
        }
        #expect(conflicted.acknowledgedAt == t1 && conflicted.status == .resolved)
        #expect(try f.xpRows(account, key: "alert_resolved:\(id)") == 1)
    }

    @Test("resolving an open alert directly leaves acknowledged_at null")
    func resolveFromOpen() throws {
        let id = try f.alert(account, target: target, scan: scan)
        guard case .done(let resolved, changed: true) = try store.resolve(accountID: account, id: id, now: Date()) else {
            Issue.record("resolve failed"); return
        }
        #expect(resolved.acknowledgedAt == nil && resolved.resolvedAt != nil)
    }

    @Test("another account's alert is not found and unchanged; its lists are empty")
    func scoping() throws {
        let id = try f.alert(account, target: target, scan: scan)
        let stranger = try f.account()
        #expect(try store.acknowledge(accountID: stranger, id: id, now: Date()) == .notFound)
        #expect(try store.resolve(accountID: stranger, id: id, now: Date()) == .notFound)
        #expect(try store.list(accountID: stranger, filter: AlertFilter(), limit: 50, after: nil).items.isEmpty)
        #expect(try store.list(accountID: stranger, filter: AlertFilter(targetID: target), limit: 50, after: nil).items.isEmpty)
        #expect(try store.find(accountID: account, id: id)?.status == .open)
        #expect(try f.xp(stranger) == 0)
    }

    @Test("acknowledge and resolve racing on two connections end resolved, with one XP award")
    func race() async throws {
        let config = f.config
        for _ in 0..<10 {
            let id = try f.alert(account, target: target, scan: scan)
            let account = self.account
            async let ack: AlertTransition = Task.detached {
                try AlertStore(connection: Connection(config: config)).acknowledge(accountID: account, id: id, now: Date())
            }.value
            async let res: AlertTransition = Task.detached {
                try AlertStore(connection: Connection(config: config)).resolve(accountID: account, id: id, now: Date())
            }.value
            let (a, r) = try await (ack, res)
            guard case .done(let resolved, changed: true) = r else { Issue.record("resolve: \(r)"); continue }
            #expect(resolved.status == .resolved)
            switch a {
            case .done(let acked, changed: true): #expect(acked.status == .acknowledged)   // acknowledged first
            case .conflict(let after): #expect(after.status == .resolved && after.acknowledgedAt == nil)
            default: Issue.record("acknowledge: \(a)")
            }
            let final = try #require(try store.find(accountID: account, id: id))
            #expect(final.status == .resolved && final.resolvedAt != nil)
            #expect(try f.xpRows(account, key: "alert_resolved:\(id)") == 1)
        }
    }

    @Test("every list shape uses an alerts_user_* index, no filesort, no full scan", arguments: [
        AlertFilter(), AlertFilter(status: .open), AlertFilter(type: .tlsChange), AlertFilter(severity: .high),
        AlertFilter(targetID: 1), AlertFilter(status: .open, type: .newPort, severity: .critical, targetID: 1),
    ])
    func explain(filter: AlertFilter) throws {
        let rows = try f.db.query("EXPLAIN " + AlertStore.listSQL(filter), AlertStore.listParams(accountID: account, filter, limit: 50, after: nil))
        let plan = try #require(rows.first)
        let key = try plan.optionalString("key") ?? ""
        let extra = try plan.optionalString("Extra") ?? ""
        #expect(key.hasPrefix("alerts_user_"), "key \(key)")
        #expect(!extra.contains("filesort"), "\(extra)")
        #expect(try plan.string("type") != "ALL")
    }
}
