namespace MigrationKit.Design.Tests.Cases;

// CLR types for what property bags cannot express: owned types, table splitting, inheritance.
#pragma warning disable CA1002, CA2227 // EF entities: settable collections are what EF maps.

public class Customer
{
    public int Id { get; set; }

    public string? Name { get; set; }

    public Address? Address { get; set; }

    public List<Address> Addresses { get; set; } = [];
}

public class Address
{
    public string? Street { get; set; }

    public string? City { get; set; }
}

public class Order
{
    public int Id { get; set; }

    public string? Status { get; set; }

    public OrderDetail? Detail { get; set; }
}

public class OrderDetail
{
    public int Id { get; set; }

    public string? ShippingAddress { get; set; }

    public Order? Order { get; set; }
}

public class Animal
{
    public int Id { get; set; }

    public string? Name { get; set; }
}

public class Cat : Animal
{
    public int Lives { get; set; }
}

public class Dog : Animal
{
    public string? Breed { get; set; }
}

public class Post
{
    public int Id { get; set; }

    public List<Tag> Tags { get; set; } = [];
}

public class Tag
{
    public int Id { get; set; }

    public List<Post> Posts { get; set; } = [];
}

public enum Mood
{
    Happy,
    Sad,
}
