// JUnit 4 / kotlin.test tests of the list APIs (issue 14) on the JVM: listStatus, the stored
// tree head, updates from a file with progress and cancellation (blocking and suspend), and a
// scanner holding lists from two issuers (k of 2). Helpers (root, bytes, image, testKey,
// listV1, deltaV2, tempDir) are in PreflightTest.kt; crates/preflight-ffi/tests/ffi_lists.rs
// runs the same scenarios from Rust.

import dev.preflight.*
import dev.preflight.core.*
import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking

fun secondKey(): String = File(root, "tests/fixtures/ffi/second-issuer.pub").readText().trim()
val secondListPath: String get() = File(root, "tests/fixtures/ffi/second-list-v1.pflist").path
val listV1Path: String get() = File(root, "tests/fixtures/ffi/demo-list-v1.pflist").path

class Progress : UpdateProgressListener {
    val seen: MutableList<UpdateProgress> = Collections.synchronizedList(mutableListOf())
    override fun onProgress(progress: UpdateProgress) { seen.add(progress) }
}

fun twoIssuers(dir: String): Scanner = Scanner.withIssuers(
    ScannerConfig(listStoreDir = "$dir/own", trustedListKeys = listOf(testKey())),
    listOf(
        IssuerSetup(name = "alpha", storeDir = "$dir/alpha", trustedKeys = listOf(testKey()), category = "known-abuse"),
        IssuerSetup(name = "beta", storeDir = "$dir/beta", trustedKeys = listOf(secondKey()), category = "terrorist-content"),
    ),
    IssuerPolicy(minIssuers = 2u, counted = listOf()),
)

class ListsTest {
    @Test
    fun listStatusSaysWhyThereIsNoListAndWhatIsInstalled() {
        newScanner().use { s ->
            val none = s.listStatus()
            assertEquals(ListHealth.NoneInstalled, none.health)
            assertEquals(0UL, none.floorVersion)
            assertNull(s.listTreeHead())
            s.applyListUpdate(listV1, false)
            s.applyListUpdate(deltaV2, false)
            val status = s.listStatus()
            assertEquals(ListHealth.Installed, status.health)
            assertEquals(2UL, status.info.version)
            assertEquals(2UL, status.floorVersion)
            assertTrue(!status.stale && status.forced == null)
        }
    }

    @Test
    fun fileUpdatesReportProgressAndCanBeCancelled() = runBlocking<Unit> {
        newScanner().use { s ->
            val cancel = UpdateCancel()
            cancel.cancel()
            val e = assertFailsWith<PreflightException.ListRejected> { s.applyListFile(listV1Path, null, false, null, cancel) }
            assertTrue(e.message!!.contains("cancel"), e.message)
            assertEquals(0UL, s.listInfo().version)
            val progress = Progress()
            val info = s.applyListFileAsync(listV1Path, null, false, progress, UpdateCancel())
            assertEquals(1UL, info.version)
            assertEquals(UpdateStage.VERIFYING, progress.seen.first().stage)
            val last = progress.seen.last()
            assertEquals(UpdateStage.WRITING, last.stage)
            assertEquals(File(listV1Path).length().toULong(), last.total)
            assertEquals(last.total, last.done)
            assertFailsWith<PreflightException.Storage> { s.applyListFile("/nonexistent/list.pflist", null, false, null, null) }
        }
    }

    @Test
    fun twoIssuersCorroborateAndUpdateIndependently() = runBlocking<Unit> {
        twoIssuers(tempDir()).use { s ->
            s.applyIssuerUpdate("alpha", listV1, false)
            assertEquals(Action.WARN, s.scanImage(image("bridge-1-original.jpg")).action)
            val progress = Progress()
            s.applyIssuerFileAsync("beta", secondListPath, null, false, progress, null)
            assertTrue(progress.seen.any { it.stage == UpdateStage.INDEXING }, "no indexing step: ${progress.seen}")
            val v = s.scanImage(image("bridge-1-original.jpg"))
            assertEquals(Action.BLOCK, v.action)
            val m = v.signals.single().evidence.filterIsInstance<Evidence.IssuerMatch>().single()
            assertTrue(m.corroborated)
            assertEquals(2u, m.independentIssuers)
            assertEquals(listOf("alpha" to "known-abuse", "beta" to "terrorist-content"), m.issuers.map { it.issuer to it.issuerCategory })
            assertEquals(listOf("demo-bridge", "second-bridge"), m.issuers.map { it.label })
            s.applyIssuerUpdate("alpha", deltaV2, false)
            assertEquals(listOf("alpha" to 2UL, "beta" to 1UL), s.issuerStatus().map { it.issuer to it.status.info.version })
            assertNull(s.issuerTreeHead("beta"))
            assertFailsWith<PreflightException.ListRejected> { s.issuerTreeHead("gamma") }
            assertEquals(2u, s.issuerPolicy()?.minIssuers)
            assertEquals(0UL, s.listInfo().version)
        }
    }

    @Test
    fun badIssuerSetupsAreTypedExceptions() {
        val dir = tempDir()
        val cfg = ScannerConfig(listStoreDir = "$dir/own")
        assertFailsWith<PreflightException.InvalidConfig> {
            Scanner.withIssuers(cfg, listOf(IssuerSetup(name = "a", storeDir = "relative/a", trustedKeys = listOf(testKey()), category = "c")), IssuerPolicy(1u, listOf())).close()
        }
        assertFailsWith<PreflightException.InvalidConfig> {
            Scanner.withIssuers(cfg, listOf(IssuerSetup(name = "a", storeDir = "$dir/a", trustedKeys = listOf("abc"), category = "c")), IssuerPolicy(1u, listOf())).close()
        }
        assertFailsWith<PreflightException.InvalidConfig> {
            Scanner.withIssuers(cfg, listOf(IssuerSetup(name = "a", storeDir = "$dir/a", trustedKeys = listOf(testKey()), category = "c")), IssuerPolicy(2u, listOf())).close()
        }
    }
}
