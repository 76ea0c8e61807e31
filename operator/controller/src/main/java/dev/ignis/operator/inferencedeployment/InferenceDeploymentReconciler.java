package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
    /** How soon to look again for a missing Secret or at runtimes still loading their model. */
    private static final Duration RECHECK = Duration.ofSeconds(15);

    private final RuntimeDeploymentDependentResource deployment;
    private final RuntimeServiceDependentResource service = new RuntimeServiceDependentResource();
    private final RuntimeAccessConfigMapDependentResource access = new RuntimeAccessConfigMapDependentResource();
    private final RuntimeNetworkPolicyDependentResource networkPolicy = new RuntimeNetworkPolicyDependentResource();
    private final RuntimeAutoscalerDependentResource autoscaler = new RuntimeAutoscalerDependentResource();
    private final RuntimeDisruptionBudgetDependentResource disruptionBudget =
            new RuntimeDisruptionBudgetDependentResource();
    private final RuntimePodHealth podHealth = new RuntimePodHealth();
    private final Clock clock;

    public InferenceDeploymentReconciler(OperatorSettings settings, Clock clock) {
        this.deployment = new RuntimeDeploymentDependentResource(settings);
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, InferenceDeployment>> prepareEventSources(
            EventSourceContext<InferenceDeployment> context) {
        List<EventSource<?, InferenceDeployment>> sources = new ArrayList<>(EventSourceUtils.dependentEventSources(
                context, access, deployment, service, networkPolicy, autoscaler, disruptionBudget));
        // Runtime pods are not owned by the resource (their ReplicaSet is); they map back by their label.
        sources.add(new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class,
                        InferenceDeployment.class)
                .withName("runtime-pods")
                .withLabelSelector("app.kubernetes.io/name=ignis-runtime")
                .withSecondaryToPrimaryMapper((Pod pod) -> {
                    String owner = pod.getMetadata().getLabels() == null ? null
                            : pod.getMetadata().getLabels().get(RuntimeLabels.INSTANCE);
                    return owner == null ? Set.of()
                            : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
                })
                .build(), context));
        return sources;
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
            access.reconcile(primary, context);
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
        RuntimePodHealth.Report pods = podHealth.inspect(context.getSecondaryResources(Pod.class));
        InferenceDeploymentStatus status = StatusAggregator.aggregate(new StatusAggregator.Observed(primary,
                observedDeployment, observedService, problems, secretProblem, pods.problem()), clock.instant());
        KubernetesEvents.onTransition(context.getClient(), primary, primary.getStatus(), status);

        UpdateControl<InferenceDeployment> control;
        if (Objects.equals(status, primary.getStatus())) {
            control = UpdateControl.noUpdate();
        } else {
            primary.setStatus(status);
            control = UpdateControl.patchStatus(primary);
        }
        // Secrets are not watched, and a loading runtime tells nothing until asked again.
        return secretProblem != null || pods.loading() ? control.rescheduleAfter(RECHECK) : control;
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
