package org.edgesync.cloud.observe;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** How the fleet gauges and MBeans follow the snapshots: one read per refresh, devices coming and going, outages. */
class FleetMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MBeanServer mbeans = MBeanServerFactory.newMBeanServer();
    private final AtomicReference<Map<String, DeviceFigures>> fleet = new AtomicReference<>(Map.of());
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicReference<SQLException> failure = new AtomicReference<>();
    private final FleetMetrics metrics = new FleetMetrics(now -> {
        reads.incrementAndGet();
        if (failure.get() != null) {
            throw failure.get();
        }
        return new FleetSnapshot(fleet.get(), now);
    }, 3_600_000, registry, mbeans, System::currentTimeMillis);

    @AfterEach
    void close() {
        metrics.close();
    }

    private static DeviceFigures device(String id, long backlog, long staged, Double loadLag) {
        return new DeviceFigures(id, "active", false, 12.0, backlog, 3.5, 0, 0, 1, staged, loadLag);
    }

    private static Map<String, DeviceFigures> devices(DeviceFigures... figures) {
        Map<String, DeviceFigures> map = new LinkedHashMap<>();
        for (DeviceFigures f : figures) {
            map.put(f.deviceId(), f);
        }
        return map;
    }

    private double gauge(String name, String device) {
        return registry.get(name).tag("device", device).gauge().value();
    }

    @Test
    void shouldServeEveryGaugeAndAttributeFromOneReadPerRefresh() throws Exception {
        fleet.set(devices(device("pos-1", 7, 2, 30.0), device("pos:2", 0, 5, 90.0)));
        metrics.start();

        for (int i = 0; i < 10; i++) {
            assertThat(gauge("edgesync.fleet.reported.backlog", "pos-1")).isEqualTo(7);
            assertThat(registry.get("edgesync.cloud.staging.backlog").gauge().value()).isEqualTo(7);
            assertThat(mbeans.getAttribute(FleetMetrics.deviceName("pos:2"), "StagedNotLoaded")).isEqualTo(5L);
        }

        assertThat(reads).hasValue(1);
        assertThat(registry.get("edgesync.cloud.load.lag").gauge().value()).isEqualTo(90);
        assertThat(mbeans.getAttribute(FleetMetrics.fleetName(), "Devices")).isEqualTo(2);
        assertThat(FleetMetrics.deviceName("pos:2").getKeyProperty("name")).isEqualTo("\"pos:2\"");
    }

    @Test
    void shouldAddAndRemoveTheSeriesAndMBeansOfDevicesAsTheyComeAndGo() throws Exception {
        fleet.set(devices(device("pos-1", 1, 0, null)));
        metrics.start();
        fleet.set(devices(device("pos-2", 2, 0, null)));

        metrics.refresh();

        assertThat(registry.find("edgesync.fleet.reported.backlog").tag("device", "pos-1").gauge()).isNull();
        assertThat(gauge("edgesync.fleet.reported.backlog", "pos-2")).isEqualTo(2);
        assertThat(mbeans.isRegistered(FleetMetrics.deviceName("pos-1"))).isFalse();
        assertThat(mbeans.getAttribute(FleetMetrics.deviceName("pos-2"), "ReportedBacklog")).isEqualTo(2L);
        assertThat(registry.get("edgesync.cloud.load.lag").gauge().value()).as("nothing waits").isZero();
    }

    @Test
    void shouldShowUnknownRatherThanStaleFiguresWhileTheDatabaseIsAway() throws Exception {
        fleet.set(devices(device("pos-1", 4, 1, 5.0)));
        metrics.start();
        failure.set(new SQLException("connection refused"));

        metrics.refresh();

        assertThat(gauge("edgesync.fleet.reported.backlog", "pos-1")).isNaN();
        assertThat(registry.get("edgesync.cloud.staging.backlog").gauge().value()).isNaN();
        assertThat(registry.get("edgesync.fleet.refresh.failures").counter().count()).isEqualTo(1);
        assertThat(mbeans.getAttribute(FleetMetrics.deviceName("pos-1"), "ReportedBacklog")).isNull();

        failure.set(null);
        metrics.refresh();
        assertThat(gauge("edgesync.fleet.reported.backlog", "pos-1")).isEqualTo(4);
    }

    @Test
    void shouldUnregisterItsMBeansWhenClosed() {
        fleet.set(devices(device("pos-1", 1, 0, null)));
        metrics.start();

        metrics.close();

        assertThat(mbeans.isRegistered(FleetMetrics.fleetName())).isFalse();
        assertThat(mbeans.isRegistered(FleetMetrics.deviceName("pos-1"))).isFalse();
    }
}
