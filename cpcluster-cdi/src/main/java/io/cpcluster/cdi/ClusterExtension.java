package io.cpcluster.cdi;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterException;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.JoinInfo;
import io.cpcluster.NodeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeShutdown;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.invoke.Invoker;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The CDI portable extension behind {@code @Inject ClusterNode}. Registered with
 * {@link java.util.ServiceLoader}, so a container that discovers extensions finds it alone;
 * create it yourself (with {@link #ClusterExtension(Map)}) to give one container its own
 * configuration, for example several containers in one JVM.
 *
 * <p>What it does, in the container's lifecycle:
 * <ol>
 *   <li>for each managed bean, it collects the methods annotated {@link TaskHandler} and checks
 *       them;</li>
 *   <li>after bean discovery, it reads the {@code cpcluster.*} configuration and adds two
 *       synthetic, application-scoped beans: {@link ClusterNode} and, when
 *       {@code cpcluster.master.enabled} is true, {@link ClusterMaster};</li>
 *   <li>after deployment validation, it starts the master and the node (the node serving every
 *       handler), and from then on fires the node's {@link ClusterEvent}s as CDI events, for
 *       {@code @Observes} and {@code @ObservesAsync};</li>
 *   <li>when the container shuts down, it closes the node and the master.</li>
 * </ol>
 * Wrong handlers, duplicate task names, bad or unknown configuration keys, a node with no way
 * to find its token, and a node that cannot start are deployment problems: the container
 * refuses to start, and says what to fix.
 */
public final class ClusterExtension implements Extension {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.cdi");

    private final Map<String, String> properties;
    private final Map<String, String> environment;
    private final List<HandlerMethod> handlers = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private ClusterSettings settings;
    private volatile ClusterMaster master;
    private volatile ClusterNode node;

    /** Creates the extension with configuration from the usual sources; ServiceLoader calls this. */
    public ClusterExtension() {
        this(Map.of());
    }

    /**
     * Creates the extension with configuration of its own, which wins over system properties,
     * the environment and {@code META-INF/cpcluster.properties}.
     *
     * @param properties {@code cpcluster.*} keys and their values
     */
    public ClusterExtension(Map<String, String> properties) {
        this(properties, System.getenv());
    }

    /** For tests: configuration with an environment of their own. */
    ClusterExtension(Map<String, String> properties, Map<String, String> environment) {
        this.properties = Map.copyOf(Objects.requireNonNull(properties, "properties"));
        this.environment = Map.copyOf(environment);
    }

    /** One bean method that serves a task. */
    private record HandlerMethod(String task, Class<?> inputType, Invoker<?, ?> invoker, String where) {
    }

    <X> void collectHandlers(@Observes ProcessManagedBean<X> event) {
        for (AnnotatedMethod<? super X> method : event.getAnnotatedBeanClass().getMethods()) {
            TaskHandler annotation = method.getAnnotation(TaskHandler.class);
            if (annotation == null) {
                continue;
            }
            String where = "@TaskHandler(\"" + annotation.value() + "\") on " + describe(method.getJavaMember());
            String problem = check(annotation, method);
            if (problem != null) {
                problems.add(where + ": " + problem);
                continue;
            }
            Class<?> inputType = (Class<?>) method.getParameters().getFirst().getBaseType();
            Invoker<X, ?> invoker = event.createInvoker(method).withInstanceLookup().build();
            handlers.add(new HandlerMethod(annotation.value(), inputType, invoker, where));
        }
    }

    /** What is wrong with a handler method, or null when nothing is. */
    private static String check(TaskHandler annotation, AnnotatedMethod<?> method) {
        try {
            io.cpcluster.TaskBinding.checkTaskName(annotation.value());
        } catch (IllegalArgumentException e) {
            return e.getMessage() + ". Fix: give the task a name of 1 to 255 bytes without control characters";
        }
        Method member = method.getJavaMember();
        if (Modifier.isPrivate(member.getModifiers())) {
            return "a task handler must not be private. Fix: make the method package-private, protected or public";
        }
        if (method.getParameters().size() != 1) {
            return "a task handler takes exactly one parameter, its input, but this method takes "
                    + method.getParameters().size() + ". Fix: take one parameter (a record, when the task needs"
                    + " several values)";
        }
        Type input = method.getParameters().getFirst().getBaseType();
        if (!(input instanceof Class<?>)) {
            return "the input type " + input.getTypeName() + " is generic, and JSON-B binds task inputs by class."
                    + " Fix: take a record or class that holds the values, or an array";
        }
        return null;
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName() + "("
                + java.util.Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                        .collect(Collectors.joining(", ")) + ")";
    }

    void addBeans(@Observes AfterBeanDiscovery event) {
        settings = ClusterSettings.load(properties, System.getProperties(), environment, loader());
        Map<String, HandlerMethod> byTask = new LinkedHashMap<>();
        for (HandlerMethod handler : handlers) {
            HandlerMethod first = byTask.putIfAbsent(handler.task(), handler);
            if (first != null) {
                problems.add(handler.where() + ": task '" + handler.task() + "' is already served by "
                        + first.where().substring(first.where().indexOf(" on ") + 4) + ", and a node serves each task"
                        + " with one method. Fix: rename one of the tasks, or remove one of the methods");
            }
        }
        if (settings.masterEnabled()) {
            event.addBean()
                    .types(ClusterMaster.class, Object.class)
                    .scope(ApplicationScoped.class)
                    .produceWith(instance -> started(master, "master"))
                    .disposeWith((started, instance) -> started.close());
        }
        event.addBean()
                .types(ClusterNode.class, Object.class)
                .scope(ApplicationScoped.class)
                .produceWith(instance -> started(node, "node"))
                .disposeWith((started, instance) -> started.close());
    }

    private static <T> T started(T started, String what) {
        if (started == null) {
            throw new ClusterException("the cluster " + what + " is not running: the container did not start it");
        }
        return started;
    }

    void start(@Observes AfterDeploymentValidation event, BeanManager beans) {
        boolean withMaster = settings.masterEnabled();
        // Read every key before starting anything, so that all bad values are reported together.
        settings.master();
        settings.node(Optional.empty());
        problems.addAll(settings.problems());
        if (!settings.hasTokenSource(withMaster)) {
            problems.add("the cluster node has no token to join with. Fix: set cpcluster.token (or the environment"
                    + " variable CPCLUSTER_TOKEN), or point cpcluster.join (or CPCLUSTER_JOIN) at the join.json the"
                    + " master wrote, or put that join.json in the working directory, or run a master here with"
                    + " cpcluster.master.enabled=true");
        }
        if (!problems.isEmpty()) {
            problems.forEach(problem -> event.addDeploymentProblem(new ClusterException(problem)));
            return;
        }
        try {
            Optional<JoinInfo> local = Optional.empty();
            if (withMaster) {
                master = ClusterMaster.start(settings.master().build());
                local = Optional.of(master.joinInfo());
            }
            NodeConfig.Builder config = settings.node(local);
            handlers.forEach(handler -> serve(config, handler, handler.inputType()));
            node = ClusterNode.start(config.build());
            node.subscribe(ClusterListener.of(clusterEvent -> fire(beans, clusterEvent)));
            LOG.log(Level.INFO, "CDI cluster node {0} started, serving {1}", node.self().label(),
                    node.self().tasks());
        } catch (ClusterException | IllegalArgumentException e) {
            close();
            event.addDeploymentProblem(new ClusterException("the cluster node could not start: " + e.getMessage(), e));
        }
    }

    /** Serves a task by invoking the bean method on the bean's contextual instance, looked up per call. */
    private static <I> void serve(NodeConfig.Builder config, HandlerMethod handler, Class<I> inputType) {
        Invoker<?, ?> invoker = handler.invoker();
        config.handle(handler.task(), inputType, (I input) -> invoker.invoke(null, new Object[] {input}));
    }

    private static void fire(BeanManager beans, ClusterEvent event) {
        beans.getEvent().fire(event);
        beans.getEvent().fireAsync(event).exceptionally(error -> {
            LOG.log(Level.WARNING, "an asynchronous observer of " + event + " failed", error);
            return event;
        });
    }

    void stop(@Observes BeforeShutdown event) {
        close();
    }

    private void close() {
        ClusterNode startedNode = node;
        if (startedNode != null) {
            startedNode.close();
        }
        ClusterMaster startedMaster = master;
        if (startedMaster != null) {
            startedMaster.close();
        }
    }

    private ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : ClusterExtension.class.getClassLoader();
    }
}
