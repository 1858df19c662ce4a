package org.edgesync.routes;

/** A route file breaks a rule operators must keep (see {@link RouteRules}); the message is one sentence. */
public class RouteRuleException extends IllegalArgumentException implements OperatorMistake {

    public RouteRuleException(String message) {
        super(message);
    }
}
