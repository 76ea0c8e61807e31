package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orchestrates one InferenceDeployment: validates the spec, has each dependent reconcile its object, then
 * records the aggregated status. An invalid spec leaves the owned objects as they are (a running model keeps
 * serving) and reports {@code Degraded}. Owner references make deletion cascade, so no finalizer is needed:
 * nothing this operator creates lives outside the resource's namespace.
 */
@ControllerConfiguration(name = InferenceDeploymentReconciler.NAME)
public class InferenceDeploymentReconciler implements Reconciler<InferenceDeployment> {

    public static final String NAME = "inferencedeployment";
    private static final Logger LOG = LoggerFactory.getLogger(InferenceDeploymentReconciler.class);
    /** How soon to look again for a Secret that does not exist yet (Secrets are not watched). */
    private static final Duration SECRET_RECHECK = Duration.ofSeconds(20);

    private final RuntimeDeploymentDependentResource deployment;
    private final RuntimeServiceDependentResource service = new RuntimeServiceDependentResource();
    private final RuntimeNetworkPolicyDependentResource networkPolicy = new RuntimeNetworkPolicyDependentResource();
    private final RuntimeAutoscalerDependentResource autoscaler = new RuntimeAutoscalerDependentResource();
    private final RuntimeDisruptionBudgetDependentResource disruptionBudget =
            new RuntimeDisruptionBudgetDependentResource();
    private final Clock clock;

    public InferenceDeploymentReconciler(OperatorSettings settings, Clock clock) {
        this.deployment = new RuntimeDeploymentDependentResource(settings);
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, InferenceDeployment>> prepareEventSources(
            EventSourceContext<InferenceDeployment> context) {
        return EventSourceUtils.dependentEventSources(context, deployment, service, networkPolicy, autoscaler,
                disruptionBudget);
    }

    @Override
    public UpdateControl<InferenceDeployment> reconcile(InferenceDeployment primary,
            Context<InferenceDeployment> context) {
        List<String> problems = SpecValidator.problems(primary);
        String secretProblem = null;
        Deployment observedDeployment = context.getSecondaryResource(Deployment.class).orElse(null);
        Service observedService = context.getSecondaryResource(Service.class).orElse(null);
        if (problems.isEmpty()) {
            secretProblem = secretProblem(primary, context);
            observedDeployment = deployment.reconcile(primary, context).getSingleResource()
                    .orElse(observedDeployment);
            observedService = service.reconcile(primary, context).getSingleResource().orElse(observedService);
            networkPolicy.reconcile(primary, context);
            disruptionBudget.reconcile(primary, context);
            if (RuntimeAutoscalerDependentResource.wanted(primary)) {
                autoscaler.reconcile(primary, context);
            } else {
                autoscaler.delete(primary, context);
            }
        } else {
            LOG.warn("{}/{}: invalid spec, owned objects left unchanged: {}", primary.getMetadata().getNamespace(),
                    primary.getMetadata().getName(), problems);
        }
        InferenceDeploymentStatus status = StatusAggregator.aggregate(new StatusAggregator.Observed(primary,
                observedDeployment, observedService, problems, secretProblem), clock.instant());
        KubernetesEvents.onTransition(context.getClient(), primary, primary.getStatus(), status);

        UpdateControl<InferenceDeployment> control;
        if (Objects.equals(status, primary.getStatus())) {
            control = UpdateControl.noUpdate();
        } else {
            primary.setStatus(status);
            control = UpdateControl.patchStatus(primary);
        }
        return secretProblem != null ? control.rescheduleAfter(SECRET_RECHECK) : control;
    }

    private static String secretProblem(InferenceDeployment primary, Context<InferenceDeployment> context) {
        var auth = primary.getSpec().getAuth();
        if (auth.isDisabled()) {
            return null;
        }
        Secret secret = context.getClient().secrets().inNamespace(primary.getMetadata().getNamespace())
                .withName(auth.getSecretName()).get();
        if (secret == null) {
            return "Secret " + auth.getSecretName() + " (spec.auth.secretName) does not exist in namespace "
                    + primary.getMetadata().getNamespace();
        }
        boolean hasKey = (secret.getData() != null && secret.getData().containsKey(auth.secretKeyOrDefault()))
                || (secret.getStringData() != null && secret.getStringData().containsKey(auth.secretKeyOrDefault()));
        return hasKey ? null : "Secret " + auth.getSecretName() + " has no key " + auth.secretKeyOrDefault();
    }
}
