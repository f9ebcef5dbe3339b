// JUnit 4 / kotlin.test tests of the video scan session (issue 13) and the scanner options of
// issue 15 on the JVM: a listed image pushed as frame k of a synthetic sequence blocks with the
// frame named and tells the app to stop decoding; an unlisted sequence allows; misuse is a typed
// exception; threadsPerScan is validated; without excerpts the exported state holds no message
// text; asking for XNNPACK reports no provider in a build without classifiers. Helpers are in
// PreflightTest.kt and MobileTest.kt.

import dev.preflight.*
import dev.preflight.core.*
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A synthetic 160x120 RGB888 frame of flat blocks, different for every seed. */
fun scene(seed: Long): PixelBuffer {
    val w = 160; val h = 120
    var state = seed * -7046029254386353131L or 1L
    val blocks = Array(48) {
        state = state xor (state shl 13); state = state xor (state ushr 7); state = state xor (state shl 17)
        byteArrayOf(state.toByte(), (state shr 8).toByte(), (state shr 16).toByte())
    }
    val bytes = ByteArray(w * h * 3)
    for (y in 0 until h) for (x in 0 until w) {
        blocks[(y / 20) * 8 + x / 20].copyInto(bytes, (y * w + x) * 3)
    }
    return PixelBuffer(w.toUInt(), h.toUInt(), (w * 3).toUInt(), PixelFormat.RGB888, Orientation.UP, bytes)
}

class VideoTest {
    @Test
    fun aListedImageAsFrameKBlocksWithTheFrameNamed() {
        newScanner().use { s ->
            s.applyListUpdate(listV1, false)
            val bridge = rgbaPixels("bridge-1-original.jpg")
            s.beginVideo(VideoScanOptions(intervalMs = 1uL)).use { scan ->
                val k = 7
                val outcomes = (0 until 12).map { i ->
                    scan.pushFrame(if (i == k) bridge else scene(100L + i), (i * 40).toULong())
                }
                assertEquals(List(k) { FrameOutcome.HASHED }, outcomes.take(k))
                assertTrue(outcomes.drop(k).all { it == FrameOutcome.MATCH_CERTAIN }, "$outcomes")
                assertTrue(scan.isMatchCertain())
                assertEquals(8u, scan.framesPushed())
                val v = scan.finish()
                assertEquals(Action.BLOCK, v.action)
                val frame = v.signals.single { it.category == Category.KNOWN_CSAM }
                    .evidence.filterIsInstance<Evidence.FrameMatch>().first()
                assertEquals(7u, frame.frameIndex)
                assertEquals(280uL, frame.timestampMs)
                assertEquals(HashKind.PDQ, frame.kind)
            }
        }
    }

    @Test
    fun anUnlistedSequenceAllowsAndMisuseIsTyped() {
        newScanner().use { s ->
            s.applyListUpdate(listV1, false)
            s.beginVideo(null).use { scan ->
                for (i in 0 until 40) {
                    val o = scan.pushFrame(scene(200L + i / 10), (i * 100).toULong())
                    assertTrue(o != FrameOutcome.MATCH_CERTAIN, "frame $i")
                }
                assertFalse(scan.isMatchCertain())
                assertEquals(4u, scan.framesHashed(), "0, 1, 2 and 3 s; the last only at finish")
                val e = assertFailsWith<PreflightException.InvalidVideo> { scan.pushFrame(scene(1), 10uL) }
                assertTrue(e.message!!.contains("before the previous frame"), e.message)
                val v = scan.finish()
                assertEquals(Action.ALLOW, v.action)
                assertTrue(v.signals.isEmpty(), "$v")
                assertFailsWith<PreflightException.InvalidVideo> { scan.finish() }
                assertFailsWith<PreflightException.InvalidVideo> { scan.pushFrame(scene(1), 9000uL) }
            }
            assertFailsWith<PreflightException.InvalidConfig> { s.beginVideo(VideoScanOptions(maxFrames = 0u)) }
        }
    }

    @Test
    fun threadsPerScanIsValidatedAndOneThreadScansTheSame() {
        val e = assertFailsWith<PreflightException.InvalidConfig> {
            Scanner(ScannerConfig(listStoreDir = tempDir(), threadsPerScan = 0u)).close()
        }
        assertTrue(e.message!!.contains("threads_per_scan"), e.message)
        Scanner(ScannerConfig(listStoreDir = tempDir(), trustedListKeys = listOf(testKey()), threadsPerScan = 1u)).use { one ->
            newScanner().use { all ->
                one.applyListUpdate(listV1, false); all.applyListUpdate(listV1, false)
                for (name in listOf("bridge-1-original.jpg", "exif-rotn-6.jpg")) {
                    assertEquals(all.scanImage(image(name)), one.scanImage(image(name)), name)
                }
                assertEquals(Action.BLOCK, one.scanImage(image("bridge-1-original.jpg")).action)
            }
        }
    }

    @Test
    fun withoutExcerptsTheExportedStateHoldsNoMessageText() {
        val lines = listOf(
            "you're so mature for your age",
            "don't tell your parents we talk, it's our little secret",
            "delete this chat after ok?",
        )
        Scanner(ScannerConfig(listStoreDir = tempDir(), keepConversationExcerpts = false)).use { s ->
            val spans = lines.flatMap { line ->
                s.scanText("c", Direction.RECEIVED, AgeBand.AGE13_TO15, line).signals
                    .flatMap { it.evidence }.filterIsInstance<Evidence.Lexicon>().map { it.excerpt }
            }
            assertTrue(spans.size >= 2, "$spans")
            val doc = s.exportConversation("c")!!
            for (text in spans + lines) assertFalse(doc.contains(text), "\"$text\" in $doc")
            val report = s.reportBundle("c", emptyList(), null)!!
            assertTrue(report.conversation.evidence.isNotEmpty())
            assertTrue(report.conversation.evidence.all { it.excerpt.isEmpty() })
        }
    }

    @Test
    fun noProviderIsReportedWithoutClassifiers() {
        newScanner().use { s ->
            s.preload()
            assertNull(s.executionProvider())
        }
    }
}
