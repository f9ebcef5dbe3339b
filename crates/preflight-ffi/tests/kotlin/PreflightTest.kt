// Kotlin tests (JUnit 4 through kotlin.test) of the generated bindings (bindings/kotlin), run on
// the JVM against the host cdylib by scripts/test-kotlin.sh. They exercise what an Android app
// does: install a signed list and a delta, scan images and an escalating conversation, persist
// conversation state, build a report, catch typed exceptions, and scan from several threads at
// once. MobileTest.kt covers the mobile entry points (pixels, files, async, listener).
//
// Run: java -Djna.library.path=<dir of libpreflight_ffi.so> -Dpreflight.root=<repo root>
//      -cp ... org.junit.runner.JUnitCore PreflightTest MobileTest

import dev.preflight.*
import dev.preflight.core.*
import java.io.File
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.junit.Test

val root: File = File(System.getProperty("preflight.root") ?: ".").absoluteFile

fun bytes(rel: String): ByteArray = File(root, rel).readBytes()
fun image(name: String): ByteArray = bytes("tests/fixtures/pdq/images/$name")
fun testKey(): String = File(root, "tests/fixtures/ffi/test-issuer.pub").readText().trim()
val listV1: ByteArray by lazy { bytes("tests/fixtures/ffi/demo-list-v1.pflist") }
val deltaV2: ByteArray by lazy { bytes("tests/fixtures/ffi/demo-delta-v1-v2.pfdelta") }

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

fun <T> checkEq(actual: T, expected: T, what: String) =
    check(actual == expected) { "$what: expected $expected, got $actual" }

inline fun <reified E : Throwable> expectThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("$what: expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("$what: expected ${E::class.simpleName}, nothing was thrown")
}

fun tempDir(): String = kotlin.io.path.createTempDirectory("preflight-kt").toFile().apply { deleteOnExit() }.path

fun newScanner(): Scanner = Scanner(ScannerConfig(listStoreDir = tempDir(), trustedListKeys = listOf(testKey())))

fun listMatch(v: Verdict): Evidence.ListMatch {
    val signal = v.signals.single { it.category == Category.KNOWN_CSAM }
    return signal.evidence.filterIsInstance<Evidence.ListMatch>().first()
}

class PreflightTest {
    @Test
    fun imagesMatchingTheDemoListAreBlocked() {
        newScanner().use { s ->
            checkEq(s.listInfo().version, 0UL, "version before install")
            val info = s.applyListUpdate(listV1, false)
            checkEq(info.version, 1UL, "installed version")
            checkEq(info.counts.pdq, 1UL, "pdq entries")
            checkEq(info.orgs, listOf("demo-org-a", "demo-org-b"), "orgs")

            val original = s.scanImage(image("bridge-1-original.jpg"))
            checkEq(original.action, Action.BLOCK, "listed image")
            val m = listMatch(original)
            checkEq(m.kind, HashKind.PDQ, "match kind")
            checkEq(m.label, "demo-bridge", "match label")
            checkEq(m.variant, Dihedral.ORIGINAL, "match variant")
            checkEq(m.listDigest, info.digestHex, "match list digest")
            check(m.distance <= 31u) { "distance ${m.distance}" }

            val rotated = s.scanImage(image("bridge-2-rotate-90.jpg"))
            checkEq(rotated.action, Action.BLOCK, "rotated copy")
            checkEq(listMatch(rotated).variant, Dihedral.ROTATE270, "rotated copy variant")

            val other = s.scanImage(image("q0122.jpg"))
            checkEq(other.action, Action.ALLOW, "unlisted image")
            check(other.signals.isEmpty()) { "unlisted image signals: ${other.signals}" }
        }
    }

    @Test
    fun listUpdatesApplyAndBadOnesAreRefused() {
        newScanner().use { s ->
            s.applyListUpdate(listV1, false)
            checkEq(s.scanImage(image("wee.jpg")).action, Action.ALLOW, "wee before the update")
            val v2 = s.applyListUpdate(deltaV2, false)
            checkEq(v2.version, 2UL, "version after delta")
            checkEq(v2.counts.md5, 1UL, "md5 entries after delta")
            val wee = s.scanImage(image("wee.jpg"))
            checkEq(wee.action, Action.BLOCK, "wee after the update")
            checkEq(listMatch(wee).kind, HashKind.MD5, "wee match kind")

            val rollback = expectThrows<PreflightException.ListRejected>("rollback") {
                s.applyListUpdate(listV1, false)
            }
            check(rollback.message!!.contains("rollback")) { "rollback message: ${rollback.message}" }
            val tampered = listV1.copyOf()
            tampered[tampered.size / 2] = (tampered[tampered.size / 2].toInt() xor 1).toByte()
            expectThrows<PreflightException.ListRejected>("tampered list") { s.applyListUpdate(tampered, true) }
            checkEq(s.listInfo().version, 2UL, "version after refused updates")
            checkEq(s.listInfo(), v2, "list info after refused updates")
        }
    }

    val escalation = listOf(
        Direction.RECEIVED to "hey! saw your drawing on the art server, it's really good",
        Direction.SENT to "omg thank you!!",
        Direction.RECEIVED to "honestly you're so mature for your age, most people on there are so immature",
        Direction.RECEIVED to "you can tell me anything, i'd never judge you like your parents do",
        Direction.RECEIVED to "do ur parents check ur phone?",
        Direction.RECEIVED to "this server is so public. add me on snap, it's easier",
        Direction.RECEIVED to "and don't tell your parents we talk, they wouldn't understand what we have",
        Direction.RECEIVED to "send me a pic of you in your uniform? nobody will see it but me",
        Direction.RECEIVED to "delete this chat after ok? it's our little secret",
    )

    @Test
    fun escalatingConversationWarnsAndItsStateSurvivesExport() {
        val id = "demo-grooming"
        val exported: String = newScanner().use { s ->
            val verdicts = escalation.map { (dir, text) -> s.scanText(id, dir, AgeBand.AGE13_TO15, text) }
            checkEq(verdicts.first().action, Action.ALLOW, "first message")
            val last = verdicts.last()
            checkEq(last.action, Action.WARN, "last message")
            val grooming = last.signals.single { it.category == Category.GROOMING }
            val risk = grooming.evidence.filterIsInstance<Evidence.ConversationRisk>().single()
            check(risk.groomingRisk >= 0.5f) { "grooming risk ${risk.groomingRisk}" }
            checkEq(risk.messages, escalation.size.toULong(), "messages in evidence")
            check(grooming.evidence.any { it is Evidence.Lexicon }) { "no lexicon evidence: ${grooming.evidence}" }
            checkEq(s.exportConversation("never-seen"), null, "export of an unknown conversation")
            s.exportConversation(id) ?: throw AssertionError("export returned null")
        }
        // A fresh scanner (e.g. after an app restart) continues from the exported state.
        newScanner().use { s ->
            checkEq(s.importConversation(exported), id, "imported id")
            val next = s.scanText(id, Direction.RECEIVED, AgeBand.AGE13_TO15, "we should meet irl, i can pick you up after school")
            checkEq(next.action, Action.WARN, "message after import")
            val report = s.reportBundle(id, listOf(ReportMessage(Direction.RECEIVED, 1_700_000_000_000UL, "reported")), null) ?: throw AssertionError("no report bundle")
            checkEq(report.conversation.messages, (escalation.size + 1).toULong(), "report messages")
            check(report.conversation.groomingAlert) { "report: no grooming alert" }
            check(report.conversation.evidence.isNotEmpty()) { "report: no evidence" }
            check(report.json.contains("\"conversation_id\":\"$id\"")) { "report json: ${report.json.take(200)}" }
            checkEq(report.libraryVersion, libraryVersion(), "report library version")
            checkEq(report.messages.map { it.text }, listOf("reported"), "reported messages")
            check(report.json.contains("\"schema_version\":2")) { "report schema: ${report.json.take(120)}" }
            checkEq(s.reportBundle("never-seen", emptyList(), null), null, "report for an unknown conversation")
            check(s.forgetConversation(id)) { "forget returned false" }
            checkEq(s.exportConversation(id), null, "export after forget")
        }
    }

    @Test
    fun badInputRaisesTypedExceptions() {
        newScanner().use { s ->
            val e = expectThrows<PreflightException.InvalidImage>("garbage image") {
                s.scanImage("definitely not an image".toByteArray())
            }
            check(e.message!!.contains("unrecognised image format")) { "message: ${e.message}" }
            expectThrows<PreflightException.InvalidImage>("empty image") { s.scanImage(ByteArray(0)) }
            // Cut inside its headers: nothing to decode. (A file cut after them decodes as
            // far as it goes, with `partial` in the evidence.)
            expectThrows<PreflightException.InvalidImage>("truncated image") {
                s.scanImage(image("bridge-1-original.jpg").copyOf(40))
            }
            expectThrows<PreflightException.ListRejected>("garbage list") { s.applyListUpdate(ByteArray(16), false) }
            expectThrows<PreflightException.InvalidState>("garbage state") { s.importConversation("{not state") }
            // The base class catches them all.
            expectThrows<PreflightException>("base class") { s.scanImage(ByteArray(3)) }
        }
        val badKey = expectThrows<PreflightException.InvalidConfig>("short key") {
            Scanner(ScannerConfig(listStoreDir = tempDir(), trustedListKeys = listOf("abc"))).close()
        }
        check(badKey.message!!.isNotBlank()) { "empty message" }
        val badPolicy = expectThrows<PreflightException.InvalidConfig>("NaN threshold") {
            Scanner(ScannerConfig(listStoreDir = tempDir(), policy = defaultPolicy().copy(groomingWarn = Float.NaN))).close()
        }
        check(badPolicy.message!!.contains("grooming_warn")) { "message: ${badPolicy.message}" }
        expectThrows<PreflightException.InvalidConfig>("missing lexicon file") {
            Scanner(ScannerConfig(listStoreDir = tempDir(), extraLexiconFiles = listOf("/nonexistent/lexicon.toml"))).close()
        }
    }

    @Test
    fun defaultsAndConfigRoundTrip() {
        val p = defaultPolicy()
        checkEq(p.pdqRadius, 31u, "default pdq radius")
        checkEq(p.sources.minSources, 1u, "default min sources")
        checkEq(defaultDecodeLimits().maxDimension, 40_000u, "default max dimension")
        check(libraryVersion().isNotBlank()) { "library version" }
        val strict = p.copy(sources = p.sources.copy(minSources = 3u))
        Scanner(ScannerConfig(listStoreDir = tempDir(), trustedListKeys = listOf(testKey()), policy = strict)).use { s ->
            checkEq(s.policy(), strict, "policy in force")
            s.applyListUpdate(listV1, false)
            // Two organisations listed the bridge; three are required now.
            checkEq(s.scanImage(image("bridge-1-original.jpg")).action, Action.ALLOW, "k-of-n")
        }
        // The store directory persists the list across scanners.
        val dir = kotlin.io.path.createTempDirectory("preflight-kt").toFile()
        try {
            val cfg = ScannerConfig(listStoreDir = dir.path, trustedListKeys = listOf(testKey()))
            Scanner(cfg).use { it.applyListUpdate(listV1, false) }
            Scanner(cfg).use { checkEq(it.listInfo().version, 1UL, "list reopened from the store") }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun concurrentScansFromSeveralThreads() {
        newScanner().use { s ->
            s.applyListUpdate(listV1, false)
            val bridge = image("bridge-3-rotate-180.jpg")
            val benign = image("q0122.jpg")
            val pool = Executors.newFixedThreadPool(6)
            try {
                val jobs = (0 until 6).map { t ->
                    Callable {
                        var scans = 0
                        repeat(8) { i ->
                            checkEq(s.scanImage(bridge).action, Action.BLOCK, "thread $t bridge")
                            checkEq(s.scanImage(benign).action, Action.ALLOW, "thread $t benign")
                            val v = s.scanText("conv-$t", Direction.RECEIVED, AgeBand.UNKNOWN, "message $i, how was your day")
                            checkEq(v.action, Action.ALLOW, "thread $t text")
                            scans += 3
                        }
                        scans
                    }
                }
                val futures = jobs.map { pool.submit(it) }
                // A list update lands while the workers scan.
                val updated = s.applyListUpdate(deltaV2, false)
                checkEq(updated.version, 2UL, "update during scans")
                val total = futures.sumOf { it.get(120, TimeUnit.SECONDS) }
                checkEq(total, 6 * 8 * 3, "scans completed")
            } finally {
                pool.shutdownNow()
            }
            checkEq(s.scanImage(image("wee.jpg")).action, Action.BLOCK, "after concurrent update")
            checkEq(s.reportBundle("conv-5", emptyList(), 5u)?.conversation?.messages, 8UL, "per-thread conversation")
        }
    }
}
