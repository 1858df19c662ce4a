package org.edgesync.cloud.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The fleet view as Prometheus gauges and JMX MBeans. One query of {@code edgesync.device_metrics} every refresh
 * period feeds every gauge and attribute, however many devices, metrics, scrapers and consoles there are; scrapes and
 * attribute reads only read the last snapshot. Each device gets one series per metric (label {@code device}) and one
 * MBean {@code org.edgesync:type=Device,name=<id>}; both follow the enrolled devices at each refresh. When the view
 * cannot be read the database-derived figures become NaN (null in JMX) until it can again: a stale number that
 * looks healthy would hide the outage.
 */
public final class FleetMetrics implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetMetrics.class);
    static final String DOMAIN = "org.edgesync";

    /** A per-device metric: name, description, base unit (or null) and how to read it from a device's row. */
    private record DeviceMetric(String name, String description, String unit, Function<DeviceFigures, Number> figure) {
    }

    private static final List<DeviceMetric> DEVICE_METRICS = List.of(
            new DeviceMetric("edgesync.fleet.last.seen.age", "Seconds since the device's last request", "seconds",
                    DeviceFigures::lastSeenAgeSeconds),
            new DeviceMetric("edgesync.fleet.reported.backlog", "Changes waiting in the device's change table, as it last reported",
                    null, DeviceFigures::reportedBacklog),
            new DeviceMetric("edgesync.fleet.oldest.unsent.age", "Age of the device's oldest unsent change, as it last reported",
                    "seconds", DeviceFigures::oldestUnsentAgeSeconds),
            new DeviceMetric("edgesync.fleet.missing.seqs", "Seqs missing between the highest contiguous and the highest received (gaps)",
                    null, DeviceFigures::missingSeqs),
            new DeviceMetric("edgesync.fleet.dlq.depth", "Batches in the device's dead-letter queue, as it last reported",
                    null, DeviceFigures::dlqDepth),
            new DeviceMetric("edgesync.fleet.quarantine.open", "The device's quarantined changes waiting for an operator",
                    null, DeviceFigures::openQuarantine),
            new DeviceMetric("edgesync.fleet.staging.backlog", "The device's changes staged in the cloud and not yet loaded",
                    null, DeviceFigures::stagedNotLoaded),
            new DeviceMetric("edgesync.fleet.silent", "1 when an active device sent nothing for edgesync.fleet.silent.after.s",
                    null, d -> d.silent() ? 1 : 0));

    private final Reader reader;
    private final long refreshMs;
    private final LongSupplier clockMs;
    private final MBeanServer mbeans;
    private final Counter refreshes;
    private final Counter failures;
    private final Map<DeviceMetric, MultiGauge> deviceGauges = new LinkedHashMap<>();
    private final Set<ObjectName> registered = new HashSet<>();
    private volatile FleetSnapshot snapshot;
    private volatile long lastSuccessMs;
    private Set<String> devices = Set.of();
    private boolean failing;
    private ScheduledExecutorService scheduler;

    /** Reads the fleet once; the database query in production, anything in unit tests. */
    @FunctionalInterface
    public interface Reader {
        FleetSnapshot read(long nowMs) throws Exception;
    }

    /**
     * @param mbeans where the fleet MBeans go (the platform server, which Jolokia reads); null for none
     */
    public FleetMetrics(Reader reader, long refreshMs, MeterRegistry registry, MBeanServer mbeans, LongSupplier clockMs) {
        this.reader = reader;
        this.refreshMs = refreshMs;
        this.clockMs = clockMs;
        this.mbeans = mbeans;
        this.lastSuccessMs = clockMs.getAsLong();
        refreshes = Counter.builder("edgesync.fleet.refreshes")
                .description("Reads of the fleet view (edgesync.device_metrics) by this node: one query each")
                .register(registry);
        failures = Counter.builder("edgesync.fleet.refresh.failures")
                .description("Reads of the fleet view that failed (database unavailable)")
                .register(registry);
        Gauge.builder("edgesync.fleet.snapshot.age", this, m -> (m.clockMs.getAsLong() - m.lastSuccessMs) / 1000.0)
                .description("Seconds since the fleet figures were last read successfully")
                .baseUnit("seconds").register(registry);
        Gauge.builder("edgesync.fleet.devices", this, total(FleetSnapshot::deviceCount))
                .description("Enrolled devices").register(registry);
        Gauge.builder("edgesync.fleet.silent.devices", this, total(FleetSnapshot::silentDevices))
                .description("Active devices that sent nothing for edgesync.fleet.silent.after.s").register(registry);
        Gauge.builder("edgesync.cloud.staging.backlog", this, total(FleetSnapshot::stagingBacklog))
                .description("Changes staged in the cloud and not yet loaded into the target tables, all devices")
                .register(registry);
        Gauge.builder("edgesync.cloud.load.lag", this, total(FleetSnapshot::loadLagSeconds))
                .description("Seconds since the oldest change still waiting to be loaded was received; 0 when none waits")
                .baseUnit("seconds").register(registry);
        Gauge.builder("edgesync.cloud.quarantine.open", this, total(FleetSnapshot::openQuarantine))
                .description("Quarantined changes waiting for an operator (ops/quarantine), all devices")
                .register(registry);
        for (DeviceMetric metric : DEVICE_METRICS) {
            MultiGauge.Builder builder = MultiGauge.builder(metric.name()).description(metric.description());
            if (metric.unit() != null) {
                builder.baseUnit(metric.unit());
            }
            deviceGauges.put(metric, builder.register(registry));
        }
    }

    private static ToDoubleFunction<FleetMetrics> total(ToDoubleFunction<FleetSnapshot> figure) {
        return m -> {
            FleetSnapshot current = m.snapshot;
            return current == null ? Double.NaN : figure.applyAsDouble(current);
        };
    }

    /** Reads the fleet now, then every refresh period on a daemon thread; registers the fleet MBean. */
    public synchronized void start() {
        register(fleetName(), new FleetView(), FleetViewMBean.class);
        refresh();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "edgesync-fleet-metrics");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::refresh, refreshMs, refreshMs, TimeUnit.MILLISECONDS);
    }

    /** One read of the fleet view; every gauge and MBean then shows its figures. */
    synchronized void refresh() {
        long now = clockMs.getAsLong();
        try {
            FleetSnapshot read = reader.read(now);
            refreshes.increment();
            snapshot = read;
            lastSuccessMs = now;
            if (failing) {
                LOG.info("The fleet view can be read again: fleet metrics are current");
                failing = false;
            }
            followDevices(read.devices().keySet());
        } catch (Exception e) {
            refreshes.increment();
            failures.increment();
            snapshot = null;
            if (!failing) {
                LOG.warn("The fleet view cannot be read, fleet metrics show NaN until it can: {}", e.getMessage());
                failing = true;
            }
        }
    }

    /** The last snapshot, null while the fleet view cannot be read. */
    public FleetSnapshot snapshot() {
        return snapshot;
    }

    private void followDevices(Set<String> current) {
        if (current.equals(devices)) {
            return;
        }
        for (Map.Entry<DeviceMetric, MultiGauge> gauge : deviceGauges.entrySet()) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (String device : current) {
                rows.add(MultiGauge.Row.of(Tags.of("device", device), this, m -> m.deviceFigure(device, gauge.getKey())));
            }
            gauge.getValue().register(rows, true);
        }
        for (String gone : devices) {
            if (!current.contains(gone)) {
                unregister(deviceName(gone));
            }
        }
        for (String device : current) {
            if (!devices.contains(device)) {
                register(deviceName(device), new DeviceView(device), DeviceViewMBean.class);
            }
        }
        devices = Set.copyOf(current);
    }

    private double deviceFigure(String device, DeviceMetric metric) {
        FleetSnapshot current = snapshot;
        DeviceFigures figures = current == null ? null : current.devices().get(device);
        Number value = figures == null ? null : metric.figure().apply(figures);
        return value == null ? Double.NaN : value.doubleValue();
    }

    static ObjectName fleetName() {
        try {
            return new ObjectName(DOMAIN + ":type=Fleet");
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Device ids may hold ':' (see edgesync.device.id), which JMX allows only in a quoted value. */
    static ObjectName deviceName(String deviceId) {
        String value = deviceId.matches("[A-Za-z0-9_.-]+") ? deviceId : ObjectName.quote(deviceId);
        try {
            return new ObjectName(DOMAIN + ":type=Device,name=" + value);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> void register(ObjectName name, T view, Class<T> type) {
        if (mbeans == null) {
            return;
        }
        try {
            // explicit interface: the views are nested classes, which JMX's naming convention does not find
            mbeans.registerMBean(new StandardMBean(view, type), name);
            registered.add(name);
        } catch (InstanceAlreadyExistsException e) {
            // a second node in the same JVM (tests): the first one's view of the shared database is the same
            LOG.debug("{} is already registered by another node in this JVM", name);
        } catch (JMException e) {
            LOG.warn("Cannot register {} in JMX: {}", name, e.getMessage());
        }
    }

    private void unregister(ObjectName name) {
        if (mbeans != null && registered.remove(name)) {
            try {
                mbeans.unregisterMBean(name);
            } catch (JMException e) {
                LOG.debug("Cannot unregister {}: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        for (ObjectName name : List.copyOf(registered)) {
            unregister(name);
        }
    }

    private double snapshotAgeSeconds() {
        return (clockMs.getAsLong() - lastSuccessMs) / 1000.0;
    }

    private final class FleetView implements FleetViewMBean {
        private <T> T total(Function<FleetSnapshot, T> figure, T otherwise) {
            FleetSnapshot current = snapshot;
            return current == null ? otherwise : figure.apply(current);
        }

        @Override
        public int getDevices() {
            return total(FleetSnapshot::deviceCount, -1);
        }

        @Override
        public long getSilentDevices() {
            return total(FleetSnapshot::silentDevices, -1L);
        }

        @Override
        public long getStagingBacklog() {
            return total(FleetSnapshot::stagingBacklog, -1L);
        }

        @Override
        public double getLoadLagSeconds() {
            return total(FleetSnapshot::loadLagSeconds, Double.NaN);
        }

        @Override
        public long getOpenQuarantine() {
            return total(FleetSnapshot::openQuarantine, -1L);
        }

        @Override
        public double getSnapshotAgeSeconds() {
            return snapshotAgeSeconds();
        }

        @Override
        public long getRefreshFailures() {
            return (long) failures.count();
        }
    }

    private final class DeviceView implements DeviceViewMBean {
        private final String deviceId;

        DeviceView(String deviceId) {
            this.deviceId = deviceId;
        }

        private <T> T figure(Function<DeviceFigures, T> figure) {
            FleetSnapshot current = snapshot;
            DeviceFigures figures = current == null ? null : current.devices().get(deviceId);
            return figures == null ? null : figure.apply(figures);
        }

        @Override
        public String getStatus() {
            return figure(DeviceFigures::status);
        }

        @Override
        public boolean isSilent() {
            Boolean silent = figure(DeviceFigures::silent);
            return silent != null && silent;
        }

        @Override
        public Double getLastSeenAgeSeconds() {
            return figure(DeviceFigures::lastSeenAgeSeconds);
        }

        @Override
        public Long getReportedBacklog() {
            return figure(DeviceFigures::reportedBacklog);
        }

        @Override
        public Double getOldestUnsentAgeSeconds() {
            return figure(DeviceFigures::oldestUnsentAgeSeconds);
        }

        @Override
        public long getMissingSeqs() {
            Long missing = figure(DeviceFigures::missingSeqs);
            return missing == null ? -1 : missing;
        }

        @Override
        public Integer getDlqDepth() {
            return figure(DeviceFigures::dlqDepth);
        }

        @Override
        public long getOpenQuarantine() {
            Long open = figure(DeviceFigures::openQuarantine);
            return open == null ? -1 : open;
        }

        @Override
        public long getStagedNotLoaded() {
            Long staged = figure(DeviceFigures::stagedNotLoaded);
            return staged == null ? -1 : staged;
        }

        @Override
        public Double getLoadLagSeconds() {
            return figure(DeviceFigures::loadLagSeconds);
        }

        @Override
        public double getSnapshotAgeSeconds() {
            return snapshotAgeSeconds();
        }
    }
}
