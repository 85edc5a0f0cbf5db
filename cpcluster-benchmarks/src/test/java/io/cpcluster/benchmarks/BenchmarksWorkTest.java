package io.cpcluster.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every benchmark's code, run a few times outside JMH in both security modes, so that CI notices
 * when one breaks; and the checks that keep a broken link from looking fast do fail on a wrong
 * answer.
 */
class BenchmarksWorkTest {
    @ParameterizedTest
    @EnumSource(Security.class)
    void roundTripsAnswerRightInEveryThreadMode(Security security) throws Exception {
        for (String threads : new String[] {"platform", "platform-serial", "virtual"}) {
            RoundTrip bench = new RoundTrip();
            bench.security = security;
            bench.threads = threads;
            bench.setUp();
            try {
                for (int i = 0; i < 50; i++) {
                    assertEquals(64, bench.bytes64().length);
                    assertEquals(2.5, bench.record().x());
                }
            } finally {
                bench.tearDown();
            }
        }
        for (ReaderThreads readers : ReaderThreads.values()) {
            RawRoundTrip raw = new RawRoundTrip();
            raw.security = security;
            raw.readers = readers;
            raw.setUp();
            try {
                for (int i = 0; i < 5; i++) {
                    assertEquals(80, raw.bytes64().length);
                }
            } finally {
                raw.tearDown();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Security.class)
    void oneWayMessagesAllArriveInOrder(Security security) throws Exception {
        OneWay bench = new OneWay();
        bench.security = security;
        bench.readers = ReaderThreads.VIRTUAL;
        bench.setUp();
        try {
            for (int i = 0; i < 3; i++) {
                bench.small();
                bench.large();
            }
        } finally {
            bench.tearDown();
        }
        for (String flush : new String[] {"coalesced", "each"}) {
            RawOneWay raw = new RawOneWay();
            raw.security = security;
            raw.flush = flush;
            raw.setUp();
            try {
                for (int i = 0; i < 3; i++) {
                    raw.small();
                    raw.large();
                }
            } finally {
                raw.tearDown();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Security.class)
    void manyCallersEachGetTheirOwnAnswer(Security security) throws Exception {
        ManyCallers bench = new ManyCallers();
        bench.security = security;
        bench.setUp();
        RawManyCallers raw = new RawManyCallers();
        raw.security = security;
        raw.setUp();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> calling = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                calling.add(threads.submit(() -> {
                    ManyCallers.Caller caller = new ManyCallers.Caller();
                    RawManyCallers.Caller rawCaller = new RawManyCallers.Caller();
                    for (int i = 0; i < 100; i++) {
                        assertEquals(64, bench.bytes64(caller).length);
                        assertEquals(80, raw.bytes64(rawCaller).length);
                    }
                    return null;
                }));
            }
            for (Future<?> caller : calling) {
                caller.get();
            }
        } finally {
            bench.tearDown();
            raw.tearDown();
        }
    }

    @ParameterizedTest
    @EnumSource(Security.class)
    void linksOpenAndTheMasterJoinsAndBrokers(Security security) throws Exception {
        LinkSetup setup = new LinkSetup();
        setup.security = security;
        setup.readers = ReaderThreads.PLATFORM;
        setup.setUp();
        try {
            for (int i = 0; i < 5; i++) {
                assertTrue(setup.connect().isOpen());
                setup.closeLink();
            }
        } finally {
            setup.tearDown();
        }
        RawConnect raw = new RawConnect();
        raw.security = security;
        raw.setUp();
        try {
            for (int i = 0; i < 3; i++) {
                Socket accepted = raw.connect();
                assertTrue(accepted.isConnected());
                assertEquals(security == Security.TLS, accepted instanceof SSLSocket);
                raw.closeConnection();
            }
        } finally {
            raw.tearDown();
        }
        MasterRates rates = new MasterRates();
        rates.security = security;
        rates.setUp();
        try {
            assertTrue(rates.join() >= MasterRates.NODES + 1);
            assertTrue(rates.link() > 0);
        } finally {
            rates.tearDown();
        }
    }

    @Test
    void theTlsBaselineNegotiatesTls13() {
        assertTrue(RawTls.cipherSuite().startsWith("TLS_AES_") || RawTls.cipherSuite().startsWith("TLS_CHACHA20_"),
                RawTls.cipherSuite());
    }

    @Test
    void aWrongAnswerFailsTheBenchmark() {
        byte[] bytes = new byte[8];
        Sequence.put(bytes, 42);
        assertEquals(42, Sequence.get(bytes));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 42}, bytes);
        assertThrows(IllegalStateException.class, () -> Sequence.check(false, "the echo"));
    }
}
