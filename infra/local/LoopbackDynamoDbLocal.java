import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local, listening on 127.0.0.1 only. DynamoDB Local has no option for the interface
 * it listens on (its Jetty server takes every interface), so this launcher builds the server
 * from the same command-line options, binds its connectors to the loopback address, and starts
 * it. Run with Java's source-file mode (a JDK 11+), with DynamoDBLocal.jar and DynamoDBLocal_lib
 * on the class path; infra/local/dynamo-local.ts does.
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    for (Connector connector : jetty.getConnectors()) ((ServerConnector) connector).setHost("127.0.0.1");
    proxy.start();
    System.out.println("DynamoDB Local listens on 127.0.0.1 only");
  }
}
