package org.edgesync.edge.fault;

import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.impl.AckReason;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.core.transaction.TransactionOperationAbstract;

/**
 * The {@code during-jms-commit} crash point, inside the embedded broker. When a transaction
 * acknowledges a message of the batch queue (what the forward route's JMS transaction does), it adds
 * an operation whose {@code afterCommit} reaches the point. Artemis runs {@code afterCommit} once the
 * commit record is written and fsync'd to the journal and before it sends the commit's reply to the
 * client, so the JVM halts with the batch durably acknowledged while the forward route's
 * {@code session.commit()} has not returned. After a restart the journal replays the commit: the batch
 * is gone from the queue and is not redelivered (the cloud already has it from the 2xx).
 *
 * <p>Registered with the broker only when this point is armed.
 */
public final class JmsCommitCrashPlugin implements ActiveMQServerMessagePlugin {

    public static final String POINT = "during-jms-commit";

    private final CrashPoints crashPoints;
    private final String queue;

    public JmsCommitCrashPlugin(CrashPoints crashPoints, String queue) {
        this.crashPoints = crashPoints;
        this.queue = queue;
    }

    @Override
    public void messageAcknowledged(Transaction tx, MessageReference ref, AckReason reason, ServerConsumer consumer) {
        if (tx == null || reason != AckReason.NORMAL || !queue.equals(ref.getQueue().getName().toString())
                || tx.getAllOperations().stream().anyMatch(ReachOnCommit.class::isInstance)) {
            return;
        }
        tx.addOperation(new ReachOnCommit());
    }

    private final class ReachOnCommit extends TransactionOperationAbstract {
        @Override
        public void afterCommit(Transaction tx) {
            crashPoints.reach(POINT);
        }
    }
}
