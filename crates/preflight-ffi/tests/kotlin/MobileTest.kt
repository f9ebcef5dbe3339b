// JUnit 4 / kotlin.test tests of the mobile entry points (issue 15) on the JVM: raw pixels,
// files by path, async calls with cancellation, the listener's events, and two scanners in one
// process on one store. Helpers (root, image, testKey, listV1, ...) are in PreflightTest.kt.

import dev.preflight.*
import dev.preflight.core.*
import java.io.File
import java.util.Collections
import javax.imageio.ImageIO
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/** A JPEG fixture decoded by the JVM (as an Android app holds a Bitmap), as RGBA8888 rows. */
fun rgbaPixels(name: String, padding: Int = 0): PixelBuffer {
    val img = ImageIO.read(File(root, "tests/fixtures/pdq/images/$name"))
    val stride = img.width * 4 + padding
    val bytes = ByteArray(stride * img.height)
    for (y in 0 until img.height) for (x in 0 until img.width) {
        val argb = img.getRGB(x, y)
        val o = y * stride + x * 4
        bytes[o] = (argb shr 16).toByte(); bytes[o + 1] = (argb shr 8).toByte()
        bytes[o + 2] = argb.toByte(); bytes[o + 3] = (argb ushr 24).toByte()
    }
    return PixelBuffer(img.width.toUInt(), img.height.toUInt(), stride.toUInt(), PixelFormat.RGBA8888, Orientation.UP, bytes)
}

class Events : PreflightListener {
    val installed: MutableList<ULong> = Collections.synchronizedList(mutableListOf())
    val rejected: MutableList<String> = Collections.synchronizedList(mutableListOf())
    val evicted: MutableList<String> = Collections.synchronizedList(mutableListOf())
    override fun onListInstalled(info: ListInfo) { installed.add(info.version) }
    override fun onListRejected(reason: String) { rejected.add(reason) }
    override fun onConversationEvicted(conversationId: String) { evicted.add(conversationId) }
}

class MobileTest {
    @Test
    fun pixelsOfAListedImageAreBlockedAndBadLayoutsRefused() {
        newScanner().use { s ->
            s.applyListUpdate(listV1, false)
            val bridge = s.scanPixels(rgbaPixels("bridge-1-original.jpg", padding = 12))
            assertEquals(Action.BLOCK, bridge.action)
            assertEquals(HashKind.PDQ, listMatch(bridge).kind)
            assertEquals(Action.ALLOW, s.scanPixels(rgbaPixels("q0122.jpg")).action)
            val short = rgbaPixels("q0122.jpg").let { it.copy(bytes = it.bytes.copyOf(100)) }
            assertFailsWith<PreflightException.InvalidImage> { s.scanPixels(short) }
        }
    }

    @Test
    fun filesAreScannedByPath() {
        newScanner().use { s ->
            s.applyListUpdate(listV1, false)
            val path = File(root, "tests/fixtures/pdq/images/bridge-2-rotate-90.jpg").path
            val v = s.scanFile(path)
            assertEquals(Action.BLOCK, v.action)
            assertEquals(Dihedral.ROTATE270, listMatch(v).variant)
            val e = assertFailsWith<PreflightException.InvalidImage> { s.scanFile("/nonexistent/x.jpg") }
            assertTrue(e.message!!.contains("cannot open"), e.message)
        }
    }

    @Test
    fun asyncCallsReturnAndCancellationLeavesTheScannerUsable() = runBlocking {
        newScanner().use { s ->
            assertEquals(1UL, s.applyListUpdateAsync(listV1, false).version)
            val scans = (0 until 4).map { async { s.scanImageAsync(image("bridge-3-rotate-180.jpg")) } }
            scans.forEach { assertEquals(Action.BLOCK, it.await().action) }
            assertEquals(Action.BLOCK, s.scanFileAsync(File(root, "tests/fixtures/pdq/images/bridge-1-original.jpg").path).action)
            assertFailsWith<PreflightException.InvalidImage> { s.scanImageAsync(ByteArray(8)) }
            // Cancel a batch of scans in flight: they end cancelled, and the scanner still works.
            val jobs = (0 until 8).map { launch { s.scanImageAsync(image("bridge-1-original.jpg")) } }
            jobs.forEach { it.cancel() }
            jobs.forEach { it.join() }
            assertTrue(jobs.all { it.isCancelled })
            assertEquals(Action.BLOCK, s.scanPixelsAsync(rgbaPixels("bridge-1-original.jpg")).action)
            s.preloadAsync()
        }
    }

    @Test
    fun listenerHearsInstallsRejectionsAndEvictions() {
        newScanner().use { s ->
            val events = Events()
            s.setListener(events)
            s.applyListUpdate(listV1, false)
            assertFailsWith<PreflightException.ListRejected> { s.applyListUpdate(listV1, false) }
            assertEquals(listOf(1UL), events.installed.toList())
            assertEquals(1, events.rejected.size)
            assertTrue(events.rejected[0].contains("rollback"), events.rejected[0])
            // 1,024 conversations are kept; the 1,025th evicts the least recently used.
            for (i in 0..1024) s.scanText("c$i", Direction.RECEIVED, AgeBand.UNKNOWN, "hi")
            assertEquals(listOf("c0"), events.evicted.toList())
            s.setListener(null)
            s.scanText("c2000", Direction.RECEIVED, AgeBand.UNKNOWN, "hi")
            assertEquals(1, events.evicted.size, "no events after the listener is removed")
        }
    }

    @Test
    fun twoScannersInOneProcessShareOneStore() {
        val dir = tempDir()
        val cfg = ScannerConfig(listStoreDir = dir, trustedListKeys = listOf(testKey()))
        Scanner(cfg).use { a ->
            a.applyListUpdate(listV1, false)
            Scanner(cfg).use { b ->
                assertEquals(a.listInfo(), b.listInfo(), "b opens the list a installed")
                assertEquals(2UL, b.applyListUpdate(deltaV2, false).version)
                assertEquals(Action.BLOCK, b.scanImage(image("wee.jpg")).action)
                // a keeps its live list until it is updated itself; both scan side by side.
                assertEquals(Action.BLOCK, a.scanImage(image("bridge-1-original.jpg")).action)
            }
            Scanner(cfg).use { c -> assertEquals(2UL, c.listInfo().version, "the store holds v2") }
        }
    }
}
